// SPDX-License-Identifier: MIT
#include "common/stats.hpp"

#include <algorithm>
#include <cmath>

namespace aquad {

namespace {

void add_value(metric_stats& m, std::uint64_t new_count, double x) {
  if (new_count == 1) {
    m = metric_stats{x, x, x, 0.0};
    return;
  }
  m.min = std::min(m.min, x);
  m.max = std::max(m.max, x);
  double delta = x - m.mean;
  m.mean += delta / static_cast<double>(new_count);
  m.m2 += delta * (x - m.mean);
}

void merge_value(metric_stats& a, std::uint64_t na, const metric_stats& b,
                 std::uint64_t nb) {
  double n = static_cast<double>(na + nb);
  double delta = b.mean - a.mean;
  a.min = std::min(a.min, b.min);
  a.max = std::max(a.max, b.max);
  // Equal means need no correction; skipping the arithmetic keeps a
  // constant series exactly constant.
  if (delta != 0.0) {
    a.mean += delta * (static_cast<double>(nb) / n);
    a.m2 += b.m2 + delta * delta * (static_cast<double>(na) / n)
                     * static_cast<double>(nb);
  } else {
    a.m2 += b.m2;
  }
}

} // namespace

void bucket_stats::add(double temperature_c, double conductivity_us_cm) {
  ++count;
  add_value(temperature, count, temperature_c);
  add_value(conductivity, count, conductivity_us_cm);
}

void bucket_stats::merge(const bucket_stats& other) {
  if (other.count == 0)
    return;
  if (count == 0) {
    *this = other;
    return;
  }
  merge_value(temperature, count, other.temperature, other.count);
  merge_value(conductivity, count, other.conductivity, other.count);
  count += other.count;
}

std::optional<double> sample_stddev(const metric_stats& m,
                                    std::uint64_t count) {
  if (count < 2)
    return std::nullopt;
  double variance = m.m2 / static_cast<double>(count - 1);
  return variance > 0.0 ? std::sqrt(variance) : 0.0;
}

bucket_stats merge_all(std::vector<bucket_stats> parts) {
  if (parts.empty())
    return {};
  for (std::size_t step = 1; step < parts.size(); step *= 2)
    for (std::size_t i = 0; i + step < parts.size(); i += 2 * step)
      parts[i].merge(parts[i + step]);
  return parts[0];
}

} // namespace aquad
