// SPDX-License-Identifier: MIT
#pragma once

#include <functional>
#include <memory>

#include <caf/actor.hpp>
#include <caf/expected.hpp>
#include <caf/fwd.hpp>

#include "actors/rollup.hpp"
#include "backends/storage_backend.hpp"
#include "common/metrics.hpp"

namespace aquad {

/// Runs one rollup for time `now` in its own committed transaction.
caf::expected<rollup_report> run_rollup(storage_backend& backend, micros now,
                                        micros minute_tier);

/// Spawns the downsampler: every `interval` (and once at once) it moves the
/// 1-minute buckets of windows older than `minute_tier` into the 5-minute
/// tier through `run_rollup`. Its transaction waits for the ingest actor's
/// to finish (the store admits one writer), so the two never interleave.
/// Detached, since a rollup blocks on the disk. `now` is the clock, for
/// tests to replace.
caf::actor spawn_downsampler(caf::actor_system& sys,
                             std::shared_ptr<storage_backend> backend,
                             std::shared_ptr<metrics> stats,
                             micros minute_tier, micros interval,
                             std::function<micros()> now);

} // namespace aquad
