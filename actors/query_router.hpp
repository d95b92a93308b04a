// SPDX-License-Identifier: MIT
#pragma once

#include <memory>

#include <caf/actor.hpp>
#include <caf/expected.hpp>
#include <caf/fwd.hpp>

#include "actors/messages.hpp"
#include "backends/storage_backend.hpp"

namespace aquad {

/// Answers one query from one consistent snapshot of the store.
query_reply answer_query(storage_backend& backend, const query& q);

/// Spawns the query router: it takes `query_job_ptr` messages and hands
/// each to one of `workers` query workers in turn (status reads for
/// /health and /metrics go to one more worker of their own). A worker opens a read
/// snapshot, computes the answer and calls the job's reply. Snapshots never
/// wait for the writer, so queries run beside ingest; workers share the
/// actor system's scheduler threads.
caf::actor spawn_query_router(caf::actor_system& sys,
                              std::shared_ptr<storage_backend> backend,
                              std::size_t workers);

} // namespace aquad
