// SPDX-License-Identifier: MIT
#include "daemon/instance_lock.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include "common/errc.hpp"

namespace aquad {

instance_lock::~instance_lock() {
  if (fd_ >= 0)
    ::close(fd_);
}

instance_lock::instance_lock(instance_lock&& other) noexcept
  : fd_(other.fd_) {
  other.fd_ = -1;
}

caf::expected<instance_lock> instance_lock::acquire(const std::string& dir) {
  auto path = dir + "/aquad.lock";
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0640);
  if (fd < 0 && (errno == EACCES || errno == EROFS))
    return instance_lock{-1};
  if (fd < 0)
    return make_error(errc::storage_unavailable,
                      "cannot open " + path + ": " + std::strerror(errno));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    char pid[32] = {};
    auto n = ::pread(fd, pid, sizeof pid - 1, 0);
    ::close(fd);
    std::string holder = n > 0 ? std::string{pid, static_cast<size_t>(n)}
                               : std::string{"unknown"};
    while (!holder.empty() && holder.back() == '\n')
      holder.pop_back();
    return make_error(errc::storage_unavailable,
                      "another aquad (pid " + holder + ") is serving " + dir
                        + "; stop it or use another storage.path");
  }
  auto text = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) != 0
      || ::pwrite(fd, text.data(), text.size(), 0) < 0) {
    // The PID is only for the message above; the lock itself holds.
  }
  return instance_lock{fd};
}

} // namespace aquad
