// SPDX-License-Identifier: MIT
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

namespace aquad {

/// A Prometheus histogram with fixed upper bounds. Thread-safe; observing
/// is a few relaxed atomic increments.
class histogram {
public:
  explicit histogram(std::vector<double> bounds);

  void observe(double value);

  /// Appends the `_bucket`, `_sum` and `_count` series of `name`, with
  /// `labels` (`a="x",b="y"`) on each.
  void render(std::string& out, std::string_view name,
              const std::string& labels = {}) const;

private:
  std::vector<double> bounds_;
  std::vector<std::atomic<std::uint64_t>> counts_; // one per bound, plus +Inf
  std::atomic<std::uint64_t> sum_nanos_{0};
};

/// Gauges read from the store at scrape time.
struct store_gauges {
  double rollup_lag_seconds = 0;
  std::uint64_t minute_buckets = 0;
  std::uint64_t five_minute_buckets = 0;
  double minute_tier_oldest_age_seconds = 0;
  std::uint64_t backend_size_bytes = 0;
  std::uint64_t sensors = 0;
};

/// Every counter and histogram of the daemon, shared by the HTTP edge and
/// the actors; rendered by `GET /metrics`. Thread-safe.
class metrics {
public:
  metrics();

  /// Counts an answer and its duration by route, method and status.
  void count_request(std::string_view route, std::string_view method,
                     int status, double seconds);
  void count_reject(std::string_view route, std::string_view reason);

  histogram ingest_latency; ///< POST received to answer, seconds
  histogram commit_latency; ///< one group commit, seconds
  histogram commit_points;  ///< measurements per commit
  histogram query_latency;  ///< GET received to answer, seconds

  std::atomic<std::uint64_t> points_accepted{0};
  std::atomic<std::uint64_t> points_duplicate{0};
  std::atomic<std::uint64_t> commits{0};
  std::atomic<std::uint64_t> commit_failures{0};
  std::atomic<bool> writes_failing{false}; ///< the last commit failed
  std::atomic<std::uint64_t> rollup_runs{0};
  std::atomic<std::uint64_t> rollup_failures{0};
  std::atomic<std::uint64_t> rollup_windows{0};

  /// The whole exposition text, HELP and TYPE lines included.
  std::string render(const store_gauges& store) const;

private:
  mutable std::mutex lock_;
  std::map<std::tuple<std::string, std::string, int>, std::uint64_t>
    requests_;
  std::map<std::tuple<std::string, std::string, int>,
           std::unique_ptr<histogram>>
    durations_;
  std::map<std::pair<std::string, std::string>, std::uint64_t> rejects_;
};

} // namespace aquad
