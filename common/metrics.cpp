// SPDX-License-Identifier: MIT
#include "common/metrics.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>

namespace aquad {

namespace {

std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

void header(std::string& out, std::string_view name, std::string_view help,
            std::string_view type) {
  out.append("# HELP ").append(name).append(" ").append(help).append("\n");
  out.append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

void sample(std::string& out, std::string_view name, std::string_view labels,
            double value) {
  out.append(name);
  if (!labels.empty())
    out.append("{").append(labels).append("}");
  out.append(" ").append(number(value)).append("\n");
}

// Resident and anonymous resident bytes, from /proc/self/status.
std::pair<std::uint64_t, std::uint64_t> process_memory() {
  std::ifstream in{"/proc/self/status"};
  std::string line;
  std::uint64_t rss = 0, anon = 0;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0)
      rss = std::strtoull(line.c_str() + 6, nullptr, 10) * 1024;
    else if (line.rfind("RssAnon:", 0) == 0)
      anon = std::strtoull(line.c_str() + 8, nullptr, 10) * 1024;
  }
  return {rss, anon};
}

std::vector<double> latency_bounds() {
  return {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
          0.025,  0.05,    0.1,    0.25,  0.5,    1,     2.5};
}

} // namespace

histogram::histogram(std::vector<double> bounds)
  : bounds_(std::move(bounds)), counts_(bounds_.size() + 1) {}

void histogram::observe(double value) {
  std::size_t i = 0;
  while (i < bounds_.size() && value > bounds_[i])
    ++i;
  counts_[i].fetch_add(1, std::memory_order_relaxed);
  if (value > 0)
    sum_nanos_.fetch_add(static_cast<std::uint64_t>(std::llround(value * 1e9)),
                         std::memory_order_relaxed);
}

void histogram::render(std::string& out, std::string_view name,
                       const std::string& labels) const {
  std::uint64_t cumulative = 0;
  std::string bucket = std::string{name} + "_bucket";
  std::string prefix = labels.empty() ? "" : labels + ",";
  for (std::size_t i = 0; i <= bounds_.size(); ++i) {
    cumulative += counts_[i].load(std::memory_order_relaxed);
    auto le = i < bounds_.size() ? number(bounds_[i]) : std::string{"+Inf"};
    sample(out, bucket, prefix + "le=\"" + le + "\"",
           static_cast<double>(cumulative));
  }
  sample(out, std::string{name} + "_sum", labels,
         static_cast<double>(sum_nanos_.load(std::memory_order_relaxed))
           / 1e9);
  sample(out, std::string{name} + "_count", labels,
         static_cast<double>(cumulative));
}

metrics::metrics()
  : ingest_latency(latency_bounds()),
    commit_latency(latency_bounds()),
    commit_points({1, 2, 4, 8, 16, 32, 64, 128, 256, 1024, 4096, 16384,
                   65536}),
    query_latency(latency_bounds()) {}

void metrics::count_request(std::string_view route, std::string_view method,
                            int status, double seconds) {
  std::lock_guard<std::mutex> guard{lock_};
  std::tuple<std::string, std::string, int> key{std::string{route},
                                                std::string{method}, status};
  ++requests_[key];
  auto& h = durations_[key];
  if (!h)
    h = std::make_unique<histogram>(latency_bounds());
  h->observe(seconds);
}

void metrics::count_reject(std::string_view route, std::string_view reason) {
  std::lock_guard<std::mutex> guard{lock_};
  ++rejects_[{std::string{route}, std::string{reason}}];
}

std::string metrics::render(const store_gauges& store) const {
  std::string out;
  out.reserve(8192);
  {
    std::lock_guard<std::mutex> guard{lock_};
    header(out, "aquad_requests_total", "HTTP requests answered.", "counter");
    for (const auto& [key, n] : requests_) {
      const auto& [route, method, status] = key;
      sample(out, "aquad_requests_total",
             "route=\"" + route + "\",method=\"" + method + "\",status=\""
               + std::to_string(status) + "\"",
             static_cast<double>(n));
    }
    header(out, "aquad_request_duration_seconds",
           "Time from arrival to answer, by route, method and status.",
           "histogram");
    for (const auto& [key, h] : durations_) {
      const auto& [route, method, status] = key;
      h->render(out, "aquad_request_duration_seconds",
                "route=\"" + route + "\",method=\"" + method
                  + "\",status=\"" + std::to_string(status) + "\"");
    }
    header(out, "aquad_rejects_total", "Requests refused, by reason.",
           "counter");
    for (const auto& [key, n] : rejects_)
      sample(out, "aquad_rejects_total",
             "route=\"" + key.first + "\",reason=\"" + key.second + "\"",
             static_cast<double>(n));
  }
  auto counter = [&](const char* name, const char* help,
                     const std::atomic<std::uint64_t>& v) {
    header(out, name, help, "counter");
    sample(out, name, "", static_cast<double>(v.load()));
  };
  auto gauge = [&](const char* name, const char* help, double v) {
    header(out, name, help, "gauge");
    sample(out, name, "", v);
  };
  header(out, "aquad_ingest_latency_seconds",
         "Time from a POST's arrival to its answer.", "histogram");
  ingest_latency.render(out, "aquad_ingest_latency_seconds");
  header(out, "aquad_commit_latency_seconds",
         "Duration of one group commit, sync included.", "histogram");
  commit_latency.render(out, "aquad_commit_latency_seconds");
  header(out, "aquad_commit_points", "Measurements written per group commit.",
         "histogram");
  commit_points.render(out, "aquad_commit_points");
  header(out, "aquad_query_latency_seconds",
         "Time from a GET's arrival to its answer.", "histogram");
  query_latency.render(out, "aquad_query_latency_seconds");
  counter("aquad_points_accepted_total", "Measurements newly stored.",
          points_accepted);
  counter("aquad_points_duplicate_total",
          "Measurements acknowledged as duplicates.", points_duplicate);
  counter("aquad_commits_total", "Group commits.", commits);
  counter("aquad_commit_failures_total", "Group commits that failed.",
          commit_failures);
  counter("aquad_rollup_runs_total", "Downsampler runs.", rollup_runs);
  counter("aquad_rollup_failures_total", "Downsampler runs that failed.",
          rollup_failures);
  counter("aquad_rollup_windows_total",
          "5-minute windows moved from the 1-minute tier.", rollup_windows);
  header(out, "aquad_buckets", "Stored aggregate buckets per tier.", "gauge");
  sample(out, "aquad_buckets", "tier=\"1m\"",
         static_cast<double>(store.minute_buckets));
  sample(out, "aquad_buckets", "tier=\"5m\"",
         static_cast<double>(store.five_minute_buckets));
  gauge("aquad_rollup_lag_seconds",
        "How far the tier move is behind what is due; 0 when caught up.",
        store.rollup_lag_seconds);
  gauge("aquad_minute_tier_oldest_age_seconds",
        "Age of the oldest 1-minute bucket's start; 0 when none.",
        store.minute_tier_oldest_age_seconds);
  gauge("aquad_backend_size_bytes", "Bytes the store occupies.",
        static_cast<double>(store.backend_size_bytes));
  gauge("aquad_sensors", "Sensors registered.",
        static_cast<double>(store.sensors));
  auto mem = process_memory();
  gauge("process_resident_memory_bytes", "Resident memory of aquad.",
        static_cast<double>(mem.first));
  gauge("aquad_anonymous_memory_bytes",
        "Anonymous resident memory (heap and stacks, not the mapped store).",
        static_cast<double>(mem.second));
  return out;
}

} // namespace aquad
