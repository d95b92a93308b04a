// SPDX-License-Identifier: MIT
#pragma once

#include <cstdlib>
#include <filesystem>
#include <string>

namespace aquad::test {

/// A fresh directory under $TMPDIR, removed with everything in it when
/// the object goes away.
class temp_dir {
public:
  temp_dir() {
    std::string pattern =
      (std::filesystem::temp_directory_path() / "aquad-test-XXXXXX").string();
    path_ = ::mkdtemp(pattern.data());
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  const std::string& path() const { return path_; }

private:
  std::string path_;
};

} // namespace aquad::test
