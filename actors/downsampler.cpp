// SPDX-License-Identifier: MIT
#include "actors/downsampler.hpp"

#include <chrono>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/messages.hpp"
#include "common/log.hpp"

namespace aquad {

namespace {

struct downsampler_state {
  static inline const char* name = "downsampler";
};

void tick(storage_backend& backend, metrics& stats, micros minute_tier,
          micros now) {
  ++stats.rollup_runs;
  auto report = run_rollup(backend, now, minute_tier);
  if (!report) {
    ++stats.rollup_failures;
    AQUAD_ERROR("downsampler",
                "rollup failed reason=" << to_problem(report.error()).message);
    return;
  }
  stats.rollup_windows += report->windows_moved;
  if (report->windows_moved > 0)
    AQUAD_DEBUG("downsampler",
                "moved windows=" << report->windows_moved
                                 << " minute_buckets=" << report->minute_buckets
                                 << " watermark="
                                 << format_timestamp(report->watermark_after));
}

caf::behavior downsampler_actor(caf::stateful_actor<downsampler_state>* self,
                                std::shared_ptr<storage_backend> backend,
                                std::shared_ptr<metrics> stats,
                                micros minute_tier, micros interval,
                                std::function<micros()> now) {
  self->send(self, tick_atom::value);
  auto pause = std::chrono::microseconds{interval};
  return {
    [=](tick_atom) {
      tick(*backend, *stats, minute_tier, now());
      self->delayed_send(self, pause, tick_atom::value);
    },
  };
}

} // namespace

caf::expected<rollup_report> run_rollup(storage_backend& backend, micros now,
                                        micros minute_tier) {
  auto txn = backend.begin_write();
  if (!txn)
    return txn.error();
  auto report = roll_up(**txn, rollup_target(now, minute_tier));
  if (!report)
    return report.error();
  if (report->watermark_after == report->watermark_before)
    return report;
  if (auto err = (*txn)->commit())
    return err;
  return report;
}

caf::actor spawn_downsampler(caf::actor_system& sys,
                             std::shared_ptr<storage_backend> backend,
                             std::shared_ptr<metrics> stats,
                             micros minute_tier, micros interval,
                             std::function<micros()> now) {
  return sys.spawn<caf::detached>(downsampler_actor, std::move(backend),
                                  std::move(stats), minute_tier, interval,
                                  std::move(now));
}

} // namespace aquad
