// SPDX-License-Identifier: MIT
#pragma once

#include <memory>

#include "backends/storage_backend.hpp"

namespace aquad {

/// A store kept in process memory, for tests and for trying aquad without
/// a disk. Same contract as the LMDB backend except durability: a commit
/// is atomic but nothing survives the process. Readers share a lock that
/// the writer holds exclusively for the life of its transaction.
std::shared_ptr<storage_backend> make_memory_backend();

} // namespace aquad
