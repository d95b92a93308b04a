// SPDX-License-Identifier: MIT
#include "daemon/http_csv.hpp"

#include "daemon/http_json.hpp"

namespace aquad {

namespace {

void append_metric(std::string& out, const metric_stats& m,
                   std::uint64_t count) {
  if (count == 0) {
    out += ",,,,";
    return;
  }
  out += ',';
  append_json_number(out, m.min);
  out += ',';
  append_json_number(out, m.max);
  out += ',';
  append_json_number(out, m.mean(count));
  out += ',';
  if (auto sd = sample_stddev(m, count))
    append_json_number(out, *sd);
}

} // namespace

std::string raw_csv(const raw_result& r) {
  std::string out = "timestamp,temperature,conductivity\r\n";
  out.reserve(out.size() + r.points.size() * 50);
  for (const auto& p : r.points) {
    append_timestamp(out, p.time);
    out += ',';
    append_json_number(out, p.temperature_c);
    out += ',';
    append_json_number(out, p.conductivity_us_cm);
    out += "\r\n";
  }
  return out;
}

std::string stats_csv(const stats_result& r) {
  std::string out =
    "start,end,count,temperature_min,temperature_max,temperature_mean,"
    "temperature_stddev,conductivity_min,conductivity_max,"
    "conductivity_mean,conductivity_stddev\r\n";
  for (const auto& b : r.buckets) {
    append_timestamp(out, b.start);
    out += ',';
    append_timestamp(out, b.end);
    out += ',';
    out += std::to_string(b.stats.count);
    append_metric(out, b.stats.temperature, b.stats.count);
    append_metric(out, b.stats.conductivity, b.stats.count);
    out += "\r\n";
  }
  return out;
}

} // namespace aquad
