// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <cmath>
#include <optional>
#include <vector>

#include "common/measurement.hpp"

namespace aquad::test {

/// Statistics of one metric computed the slow, obvious way (two passes in
/// long double) from the points a test posted: the reference every stored
/// or merged number is checked against.
struct expected_metric {
  double min = 0;
  double max = 0;
  double mean = 0;
  std::optional<double> stddev;
};

struct expected_stats {
  std::size_t count = 0;
  expected_metric temperature;
  expected_metric conductivity;
};

inline expected_metric metric_of(const std::vector<double>& xs) {
  expected_metric m;
  if (xs.empty())
    return m;
  // Shifting by the first value keeps the deviations of large values with
  // a tiny spread exact (x - k is exact for x and k within a factor 2).
  long double k = xs[0];
  long double sum = 0;
  for (double x : xs)
    sum += x - k;
  long double shifted_mean = sum / xs.size();
  long double ss = 0;
  for (double x : xs)
    ss += (x - k - shifted_mean) * (x - k - shifted_mean);
  long double mean = k + shifted_mean;
  m.min = *std::min_element(xs.begin(), xs.end());
  m.max = *std::max_element(xs.begin(), xs.end());
  m.mean = static_cast<double>(mean);
  if (xs.size() > 1)
    m.stddev = std::sqrt(static_cast<double>(ss / (xs.size() - 1)));
  return m;
}

/// Statistics of the points with time in [from, to).
inline expected_stats stats_of(const std::vector<raw_point>& points,
                               micros from, micros to) {
  std::vector<double> t, c;
  for (const auto& p : points) {
    if (p.time >= from && p.time < to) {
      t.push_back(p.temperature_c);
      c.push_back(p.conductivity_us_cm);
    }
  }
  return {t.size(), metric_of(t), metric_of(c)};
}

/// Relative closeness with an absolute floor for values near zero.
inline bool close(double got, double want, double rel = 1e-9) {
  return std::abs(got - want) <= rel * std::max(1.0, std::abs(want));
}

} // namespace aquad::test
