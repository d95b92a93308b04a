// SPDX-License-Identifier: MIT
#include "common/stats.hpp"

#include <algorithm>
#include <cmath>

namespace aquad {

namespace {

// Adds `x` to the pair (hi, lo) without losing the rounding error of the
// addition (Knuth's two-sum; the error term is exact).
void compensated_add(double& hi, double& lo, double x) {
  double s = hi + x;
  double v = s - hi;
  double err = (hi - (s - v)) + (x - v);
  hi = s;
  lo += err;
}

// The mean of `count` values as an unevaluated pair hi + lo, accurate far
// beyond a double. Deviations x - mean are then exact in their leading
// part (x and hi are close, so x - hi is exact), which keeps m2 accurate
// for large values with a tiny spread such as 999999.90003.
struct pair_mean {
  double hi;
  double lo;
};

pair_mean mean_of(const metric_stats& m, std::uint64_t count) {
  double n = static_cast<double>(count);
  double hi = m.sum / n;
  double rest = std::fma(-hi, n, m.sum) + m.sum_low;
  return {hi, rest / n};
}

double deviation(double x, const pair_mean& mean) {
  return (x - mean.hi) - mean.lo;
}

void add_value(metric_stats& m, std::uint64_t new_count, double x) {
  if (new_count == 1) {
    m = metric_stats{x, x, x, 0.0, 0.0};
    return;
  }
  m.min = std::min(m.min, x);
  m.max = std::max(m.max, x);
  auto before = mean_of(m, new_count - 1);
  compensated_add(m.sum, m.sum_low, x);
  auto after = mean_of(m, new_count);
  m.m2 += deviation(x, before) * deviation(x, after);
}

void merge_value(metric_stats& a, std::uint64_t na, const metric_stats& b,
                 std::uint64_t nb) {
  auto ma = mean_of(a, na);
  auto mb = mean_of(b, nb);
  double delta = (mb.hi - ma.hi) + (mb.lo - ma.lo);
  a.min = std::min(a.min, b.min);
  a.max = std::max(a.max, b.max);
  compensated_add(a.sum, a.sum_low, b.sum);
  compensated_add(a.sum, a.sum_low, b.sum_low);
  double n = static_cast<double>(na + nb);
  a.m2 += b.m2 + delta * delta * (static_cast<double>(na) / n)
                   * static_cast<double>(nb);
}

} // namespace

double metric_stats::mean(std::uint64_t count) const {
  // hi is sum/n rounded; the remainder sum - hi*n is exact with an FMA,
  // so adding it (and the low word) back corrects hi's last bit.
  auto m = mean_of(*this, count);
  return m.hi + m.lo;
}

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
