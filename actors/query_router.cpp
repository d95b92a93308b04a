// SPDX-License-Identifier: MIT
#include "actors/query_router.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include "common/log.hpp"

namespace aquad {

namespace {

caf::expected<store_status> read_status(storage_backend& backend,
                                        read_view& view) {
  store_status st;
  auto w = view.watermark();
  if (!w)
    return w.error();
  st.watermark = *w;
  for (auto t : {tier::minute, tier::five_minute}) {
    auto n = view.bucket_count(t);
    if (!n)
      return n.error();
    (t == tier::minute ? st.minute_buckets : st.five_minute_buckets) = *n;
  }
  auto sensors = read_sensors(view);
  if (!sensors)
    return sensors.error();
  st.sensors = sensors->size();
  // The oldest 1-minute bucket: the first of each sensor's series.
  for (const auto& s : *sensors) {
    auto err = view.scan_buckets(tier::minute, s.num, min_instant,
                                 max_instant, [&](micros start, auto&) {
                                   if (!st.oldest_minute_bucket
                                       || start < *st.oldest_minute_bucket)
                                     st.oldest_minute_bucket = start;
                                   return false;
                                 });
    if (err)
      return err;
  }
  st.size_bytes = backend.size_bytes();
  st.read_only = backend.read_only();
  return st;
}

template <class T>
query_reply wrap(caf::expected<T>&& x) {
  if (!x)
    return x.error();
  return query_answer{std::move(*x)};
}

struct worker_state {
  static inline const char* name = "query_worker";
};

caf::behavior query_worker(caf::stateful_actor<worker_state>*,
                           std::shared_ptr<storage_backend> backend) {
  return {
    [backend](query_job_ptr& job) {
      job->reply(answer_query(*backend, job->what));
    },
  };
}

struct router_state {
  std::vector<caf::actor> workers;
  caf::actor status_worker;
  std::size_t next = 0;
  static inline const char* name = "query_router";
};

caf::behavior query_router(caf::stateful_actor<router_state>* self,
                           std::shared_ptr<storage_backend> backend,
                           std::size_t workers) {
  for (std::size_t i = 0; i < std::max<std::size_t>(workers, 1); ++i)
    self->state.workers.push_back(
      self->spawn<caf::linked>(query_worker, backend));
  // /health and /metrics get a worker of their own, so that a probe is
  // answered at once even while large queries keep the others busy.
  self->state.status_worker = self->spawn<caf::linked>(query_worker, backend);
  return {
    [self](query_job_ptr& job) {
      auto& st = self->state;
      if (std::holds_alternative<store_status_request>(job->what)) {
        self->send(st.status_worker, std::move(job));
        return;
      }
      self->send(st.workers[st.next], std::move(job));
      st.next = (st.next + 1) % st.workers.size();
    },
  };
}

} // namespace

query_reply answer_query(storage_backend& backend, const query& q) {
  auto view = backend.begin_read();
  if (!view)
    return view.error();
  auto& v = **view;
  return std::visit(
    [&](const auto& req) -> query_reply {
      using T = std::decay_t<decltype(req)>;
      if constexpr (std::is_same_v<T, raw_request>)
        return wrap(read_raw_page(v, req));
      else if constexpr (std::is_same_v<T, stats_request>)
        return wrap(compute_stats(v, req));
      else if constexpr (std::is_same_v<T, sensor_lookup>)
        return wrap(read_sensor(v, req.sensor_id));
      else if constexpr (std::is_same_v<T, sensor_listing>)
        return wrap(read_sensors(v));
      else
        return wrap(read_status(backend, v));
    },
    q);
}

caf::actor spawn_query_router(caf::actor_system& sys,
                              std::shared_ptr<storage_backend> backend,
                              std::size_t workers) {
  return sys.spawn(query_router, std::move(backend), workers);
}

} // namespace aquad
