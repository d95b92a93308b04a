// SPDX-License-Identifier: MIT
#include "backends/storage_backend.hpp"

#include "backends/lmdb/lmdb_backend.hpp"
#include "backends/memory/memory_backend.hpp"
#include "common/errc.hpp"
#include "config/config.hpp"

namespace aquad {

caf::expected<std::shared_ptr<storage_backend>>
open_backend(const config& cfg, open_mode mode) {
  if (cfg.storage.backend == "memory")
    return make_memory_backend();
  if (cfg.storage.backend == "lmdb")
    return open_lmdb_backend(cfg, mode);
  return make_error(errc::storage_unavailable,
                    "unknown storage backend " + cfg.storage.backend);
}

} // namespace aquad
