// SPDX-License-Identifier: MIT
#pragma once

#include <memory>
#include <string>

#include <caf/expected.hpp>

#include "backends/storage_backend.hpp"
#include "config/config.hpp"

namespace aquad {

/// Opens (creating when absent) the LMDB store in `cfg.storage.path`. The
/// key layout is described in docs/storage.md. Fails with
/// `storage_unavailable` and a message naming the path when the directory
/// cannot be created or the environment cannot be opened.
caf::expected<std::shared_ptr<storage_backend>>
open_lmdb_backend(const config& cfg, open_mode mode = open_mode::create);

} // namespace aquad
