// SPDX-License-Identifier: MIT
#pragma once

#include <string>

#include <caf/expected.hpp>

namespace aquad {

/// An exclusive claim on a data directory by one serving aquad: a
/// flock(2) on `DIR/aquad.lock` holding the owner's PID. Released when the
/// object goes (or the process dies: the kernel drops the lock).
class instance_lock {
public:
  ~instance_lock();
  instance_lock(instance_lock&& other) noexcept;
  instance_lock& operator=(instance_lock&&) = delete;
  instance_lock(const instance_lock&) = delete;

  /// Claims `dir`; fails, naming the holder's PID, when another aquad
  /// serves it. A directory aquad may not write gets no lock (it is
  /// served read-only, and nobody can be writing to it).
  static caf::expected<instance_lock> acquire(const std::string& dir);

private:
  explicit instance_lock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

} // namespace aquad
