// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

namespace aquad {

/// Running statistics of one metric: minimum, maximum, mean and the sum of
/// squared deviations from the mean (`m2`). The mean/m2 form merges exactly
/// (Chan et al.'s pairwise update) and does not cancel catastrophically for
/// large values with small spread, unlike a raw sum of squares. The count
/// lives in `bucket_stats`, shared by both metrics.
struct metric_stats {
  double min = 0;
  double max = 0;
  double mean = 0;
  double m2 = 0;
};

/// Statistics of the measurements in one bucket (or any set of them): the
/// unit every tier stores and every query merges. A plain value; not
/// thread-safe, owned by whoever computes with it.
struct bucket_stats {
  std::uint64_t count = 0;
  metric_stats temperature;
  metric_stats conductivity;

  bool empty() const { return count == 0; }

  /// Folds in one measurement (Welford's update).
  void add(double temperature_c, double conductivity_us_cm);

  /// Folds in another set of statistics as if its points had been added.
  void merge(const bucket_stats& other);
};

/// Sample standard deviation, or nothing when fewer than two points.
std::optional<double> sample_stddev(const metric_stats& m,
                                    std::uint64_t count);

/// Merges many sets pairwise (a balanced tree), so that rounding error
/// grows with log(n) rather than n when summarising long ranges.
bucket_stats merge_all(std::vector<bucket_stats> parts);

} // namespace aquad
