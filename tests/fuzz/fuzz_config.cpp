// SPDX-License-Identifier: MIT
// Fuzz target: the YAML configuration loader. It must report, never
// throw; an accepted configuration must print and read back the same.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "config/config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  std::string_view text{reinterpret_cast<const char*>(data), size};
  auto loaded = aquad::load_config_text(text);
  if (!loaded.issues.empty())
    return 0;
  auto printed = aquad::render_config(loaded.cfg);
  auto again = aquad::load_config_text(printed);
  if (!again.issues.empty() || aquad::render_config(again.cfg) != printed)
    std::abort();
  return 0;
}
