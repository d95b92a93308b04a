// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <variant>
#include <vector>

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>
#include <caf/expected.hpp>

#include "actors/raw_query.hpp"
#include "actors/stats_query.hpp"
#include "actors/write_path.hpp"
#include "common/errc.hpp"

/// Every message the actors exchange. Jobs carry their own reply callback:
/// the actor that finishes a job calls it exactly once, on its own thread,
/// and the HTTP edge's callback completes the response from there, so no
/// HTTP thread ever waits on storage. A job dropped unanswered (shutdown)
/// answers `shutting_down` from its destructor.

namespace aquad {

using flush_atom = caf::atom_constant<caf::atom("flush")>;
using tick_atom = caf::atom_constant<caf::atom("tick")>;

/// Calls a callback once: explicitly, or with a fallback when destroyed.
template <class T>
class reply_once {
public:
  using callback = std::function<void(T)>;

  reply_once(callback fn, std::function<T()> fallback)
    : fn_(std::move(fn)), fallback_(std::move(fallback)) {}
  reply_once(const reply_once&) = delete;
  reply_once& operator=(const reply_once&) = delete;

  ~reply_once() {
    if (fn_)
      fn_(fallback_());
  }

  void operator()(T value) {
    if (!fn_)
      return;
    auto fn = std::move(fn_);
    fn_ = nullptr;
    fn(std::move(value));
  }

private:
  callback fn_;
  std::function<T()> fallback_;
};

/// A POST for the ingest actor.
struct ingest_job {
  ingest_request request;
  reply_once<ingest_outcome> reply;
  std::chrono::steady_clock::time_point received;

  ingest_job(ingest_request r, std::function<void(ingest_outcome)> fn)
    : request(std::move(r)),
      reply(std::move(fn), [] {
        ingest_outcome out;
        out.error = problem{errc::shutting_down, "aquad is shutting down",
                            {}, std::nullopt};
        return out;
      }),
      received(std::chrono::steady_clock::now()) {}
};
using ingest_job_ptr = std::shared_ptr<ingest_job>;

/// Reads of one sensor's record, or of all sensors.
struct sensor_lookup {
  std::string sensor_id;
};
struct sensor_listing {};

/// The store's health and gauges for /health and /metrics.
struct store_status_request {};
struct store_status {
  std::uint64_t sensors = 0;
  std::uint64_t minute_buckets = 0;
  std::uint64_t five_minute_buckets = 0;
  std::optional<micros> oldest_minute_bucket;
  micros watermark = 0;
  std::uint64_t size_bytes = 0;
  bool read_only = false;
};

using query = std::variant<raw_request, stats_request, sensor_lookup,
                           sensor_listing, store_status_request>;
using query_answer =
  std::variant<raw_result, stats_result, sensor_record,
               std::vector<sensor_record>, store_status>;
using query_reply = caf::expected<query_answer>;

/// A GET for the query router.
struct query_job {
  query what;
  reply_once<query_reply> reply;
  std::chrono::steady_clock::time_point received;

  query_job(query q, std::function<void(query_reply)> fn)
    : what(std::move(q)),
      reply(std::move(fn),
            [] {
              return query_reply{
                make_error(errc::shutting_down, "aquad is shutting down")};
            }),
      received(std::chrono::steady_clock::now()) {}
};
using query_job_ptr = std::shared_ptr<query_job>;

} // namespace aquad

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(aquad::ingest_job_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(aquad::query_job_ptr)
