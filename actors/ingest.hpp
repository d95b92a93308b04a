// SPDX-License-Identifier: MIT
#pragma once

#include <memory>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include "backends/storage_backend.hpp"
#include "common/metrics.hpp"

namespace aquad {

/// Spawns the ingest actor: the single writer of measurements. It takes
/// `ingest_job_ptr` messages and commits them in groups: every job that
/// arrived while the previous commit was syncing goes into the next one,
/// so concurrent clients share one fsync. Each job is answered after the
/// commit holding it returned. Runs detached (its own thread) because a
/// commit blocks on the disk. Per-sensor state (registration, span,
/// latest point) is kept in the store and updated in the same commit.
caf::actor spawn_ingest(caf::actor_system& sys,
                        std::shared_ptr<storage_backend> backend,
                        std::shared_ptr<metrics> stats);

} // namespace aquad
