// SPDX-License-Identifier: MIT
#include "actors/ingest.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/messages.hpp"
#include "common/log.hpp"

namespace aquad {

namespace {

// A commit this large is written at once rather than waiting for the
// mailbox to drain; it bounds the memory a burst of batches can hold.
constexpr std::size_t max_group_points = 200'000;

struct ingest_state {
  std::shared_ptr<storage_backend> backend;
  std::shared_ptr<metrics> stats;
  std::vector<ingest_job_ptr> pending;
  std::size_t pending_points = 0;
  static inline const char* name = "ingest";
};

using clock = std::chrono::steady_clock;

double seconds_since(clock::time_point start) {
  return std::chrono::duration<double>(clock::now() - start).count();
}

// Writes every pending job in one transaction and answers them. A storage
// failure fails the whole group: none of it was committed.
void commit_group(ingest_state& st) {
  auto jobs = std::move(st.pending);
  st.pending.clear();
  auto points = st.pending_points;
  st.pending_points = 0;
  auto started = clock::now();

  std::vector<ingest_outcome> outcomes;
  auto attempt = [&]() -> caf::error {
    outcomes.clear();
    outcomes.reserve(jobs.size());
    auto txn = st.backend->begin_write();
    if (!txn)
      return txn.error();
    write_path path{**txn};
    for (auto& job : jobs) {
      auto out = path.apply(job->request);
      if (!out)
        return out.error();
      outcomes.push_back(std::move(*out));
    }
    if (auto err = path.finish())
      return err;
    return (*txn)->commit();
  };
  auto failed = attempt();
  // A full map is made room for and the group written again, once; what
  // fails then is answered 503 and nothing of it was stored.
  if (failed && to_problem(failed).code == errc::storage_full
      && st.backend->grow())
    failed = attempt();

  st.stats->commit_latency.observe(seconds_since(started));
  st.stats->commit_points.observe(static_cast<double>(points));
  st.stats->writes_failing = static_cast<bool>(failed);
  if (failed) {
    ++st.stats->commit_failures;
    auto p = to_problem(failed);
    AQUAD_ERROR("ingest", "commit failed jobs=" << jobs.size() << " points="
                                                << points << " reason="
                                                << p.message);
    for (auto& job : jobs) {
      ingest_outcome out;
      out.error = p;
      job->reply(std::move(out));
    }
    return;
  }
  ++st.stats->commits;
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    st.stats->points_accepted += outcomes[i].accepted;
    st.stats->points_duplicate += outcomes[i].duplicates;
    jobs[i]->reply(std::move(outcomes[i]));
  }
}

caf::behavior ingest_actor(caf::stateful_actor<ingest_state>* self,
                           std::shared_ptr<storage_backend> backend,
                           std::shared_ptr<metrics> stats) {
  self->state.backend = std::move(backend);
  self->state.stats = std::move(stats);
  return {
    [self](ingest_job_ptr& job) {
      auto& st = self->state;
      st.pending_points += job->request.points.size();
      st.pending.push_back(std::move(job));
      // The flush queues behind every job already in the mailbox, so it
      // fires once the backlog that built up during the last commit is in.
      if (st.pending.size() == 1)
        self->send(self, flush_atom::value);
      else if (st.pending_points >= max_group_points)
        commit_group(st);
    },
    [self](flush_atom) {
      if (!self->state.pending.empty())
        commit_group(self->state);
    },
  };
}

} // namespace

caf::actor spawn_ingest(caf::actor_system& sys,
                        std::shared_ptr<storage_backend> backend,
                        std::shared_ptr<metrics> stats) {
  return sys.spawn<caf::detached>(ingest_actor, std::move(backend),
                                  std::move(stats));
}

} // namespace aquad
