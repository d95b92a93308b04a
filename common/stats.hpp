// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

namespace aquad {

/// Running statistics of one metric: minimum, maximum, the sum kept as an
/// unevaluated pair of doubles (`sum + sum_low`, a compensated sum that is
/// exact to about 106 bits), and the sum of squared deviations from the
/// mean (`m2`). The mean derived from the pair is the correctly rounded
/// mean of the values for any realistic count, so merging buckets never
/// drifts it. `m2` merges exactly by Chan et al.'s pairwise update and,
/// unlike a raw sum of squares, does not cancel for large values with a
/// small spread. The count lives in `bucket_stats`, shared by both metrics.
struct metric_stats {
  double min = 0;
  double max = 0;
  double sum = 0;
  double sum_low = 0;
  double m2 = 0;

  /// The mean of `count` values (count > 0).
  double mean(std::uint64_t count) const;
};

/// Statistics of the measurements in one bucket (or any set of them): the
/// unit every tier stores and every query merges. A plain value; not
/// thread-safe, owned by whoever computes with it.
struct bucket_stats {
  std::uint64_t count = 0;
  metric_stats temperature;
  metric_stats conductivity;

  bool empty() const { return count == 0; }

  /// Folds in one measurement (Welford's update for m2).
  void add(double temperature_c, double conductivity_us_cm);

  /// Folds in another set of statistics as if its points had been added.
  void merge(const bucket_stats& other);
};

/// Sample standard deviation, or nothing when fewer than two points.
std::optional<double> sample_stddev(const metric_stats& m,
                                    std::uint64_t count);

/// Merges many sets pairwise (a balanced tree), so that rounding error in
/// m2 grows with log(n) rather than n when summarising long ranges.
bucket_stats merge_all(std::vector<bucket_stats> parts);

} // namespace aquad
