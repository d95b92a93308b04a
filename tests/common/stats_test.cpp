// SPDX-License-Identifier: MIT
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

#include "common/stats.hpp"
#include "support/oracle.hpp"

using namespace aquad;

namespace {

// The oracle's two-pass reference (support/oracle.hpp).
test::expected_metric direct(const std::vector<double>& xs) {
  return test::metric_of(xs);
}

bucket_stats of(const std::vector<double>& xs) {
  bucket_stats s;
  for (double x : xs)
    s.add(x, 0);
  return s;
}

} // namespace

TEST_SUITE("stats") {

TEST_CASE("statistics of added points match a two-pass computation") {
  std::vector<double> xs = {10, 20, 30, 40};
  auto s = of(xs);
  CHECK(s.count == 4);
  CHECK(s.temperature.min == 10);
  CHECK(s.temperature.max == 40);
  CHECK(s.temperature.mean(s.count) == doctest::Approx(25).epsilon(1e-12));
  CHECK(*sample_stddev(s.temperature, s.count)
        == doctest::Approx(12.909944487358056).epsilon(1e-12));
}

TEST_CASE("stddev is absent below two points and zero for constant data") {
  auto one = of({5});
  CHECK_FALSE(sample_stddev(one.temperature, one.count).has_value());
  auto flat = of(std::vector<double>(70, 0.4));
  CHECK(std::abs(flat.temperature.mean(flat.count) - 0.4) <= 1e-15);
  CHECK(*sample_stddev(flat.temperature, flat.count) <= 1e-12);
}

TEST_CASE("merging is the statistics of the union, not a mean of means") {
  auto a = of({10});
  auto b = of({20, 20, 20});
  a.merge(b);
  CHECK(a.count == 4);
  CHECK(a.temperature.mean(a.count) == doctest::Approx(17.5).epsilon(1e-12));
  CHECK(*sample_stddev(a.temperature, a.count)
        == doctest::Approx(5.0).epsilon(1e-12));
}

TEST_CASE("merging with an empty set changes nothing, either side") {
  auto a = of({1, 2, 3});
  auto before = a;
  a.merge(bucket_stats{});
  CHECK(a.count == before.count);
  CHECK(a.temperature.mean(a.count) == before.temperature.mean(before.count));
  bucket_stats e;
  e.merge(before);
  CHECK(e.temperature.m2 == before.temperature.m2);
}

TEST_CASE("large values with a small spread keep their variance") {
  // The sum-of-squares formula loses every digit of this variance.
  auto s = of({1000000.1, 1000000.2, 1000000.3});
  CHECK(std::abs(s.temperature.mean(s.count) - 1000000.2) <= 1e-6);
  CHECK(std::abs(*sample_stddev(s.temperature, s.count) - 0.1) <= 1e-6);
  auto big = of({1e9 + 0.1, 1e9 + 0.2, 1e9 + 0.3});
  CHECK(std::abs(*sample_stddev(big.temperature, big.count) - 0.1) <= 1e-6);
}

TEST_CASE("random splits merge to the statistics of all points") {
  std::mt19937_64 rng{12345};
  std::uniform_real_distribution<double> value{1000, 3000};
  std::uniform_int_distribution<int> cut{1, 50};
  for (int round = 0; round < 50; ++round) {
    std::vector<double> all;
    std::vector<bucket_stats> parts;
    for (int p = 0, n = cut(rng); p < n; ++p) {
      std::vector<double> xs(cut(rng));
      for (auto& x : xs)
        x = value(rng);
      all.insert(all.end(), xs.begin(), xs.end());
      parts.push_back(of(xs));
    }
    auto want = direct(all);
    auto got = merge_all(parts);
    REQUIRE(got.count == all.size());
    CHECK(got.temperature.min == want.min);
    CHECK(got.temperature.max == want.max);
    CHECK(got.temperature.mean(got.count) == doctest::Approx(want.mean).epsilon(1e-12));
    CHECK(*sample_stddev(got.temperature, got.count)
          == doctest::Approx(*want.stddev).epsilon(1e-9));
  }
}

TEST_CASE("a year of 5-minute buckets of large values merges within 1e-9") {
  // 105,120 buckets of conductivity near 500,000 uS/cm: the summary's
  // relative error must stay far below the contract's 1e-9.
  std::mt19937_64 rng{7};
  std::normal_distribution<double> value{500000, 25};
  std::vector<double> all;
  std::vector<bucket_stats> parts;
  for (int b = 0; b < 105'120; ++b) {
    std::vector<double> xs(3);
    for (auto& x : xs)
      x = value(rng);
    all.insert(all.end(), xs.begin(), xs.end());
    parts.push_back(of(xs));
  }
  auto want = direct(all);
  auto got = merge_all(parts);
  CHECK(std::abs(got.temperature.mean(got.count) - want.mean) / want.mean <= 1e-12);
  CHECK(std::abs(*sample_stddev(got.temperature, got.count) - *want.stddev)
          / *want.stddev
        <= 1e-9);
}

}

TEST_SUITE("stats") {

TEST_CASE("means are correctly rounded, however the points were merged") {
  // Integer readings have an exact sum, so sum / n in double is the
  // correctly rounded mean: every merge order must give that same bits.
  std::mt19937_64 rng{99};
  std::uniform_int_distribution<int> value{1000, 3000};
  std::uniform_int_distribution<int> cut{1, 40};
  for (int round = 0; round < 200; ++round) {
    std::int64_t total = 0;
    std::uint64_t n = 0;
    std::vector<bucket_stats> parts;
    for (int p = 0, k = cut(rng); p < k; ++p) {
      bucket_stats s;
      for (int i = 0, m = cut(rng); i < m; ++i) {
        int v = value(rng);
        s.add(0, v);
        total += v;
        ++n;
      }
      parts.push_back(s);
    }
    auto got = merge_all(parts);
    CHECK(got.conductivity.mean(got.count)
          == static_cast<double>(total) / static_cast<double>(n));
  }
}

TEST_CASE("a mean of decimal readings equals the exactly rounded one") {
  // 24.5025 from the simulator's one-decimal temperatures: the naive
  // running mean ends at ...0000000002, the compensated sum does not.
  std::vector<double> xs = {22.9, 20.3, 23.8, 29.9, 20.2, 25.1, 24.4, 27.4};
  bucket_stats a, b;
  for (std::size_t i = 0; i < xs.size(); ++i)
    (i % 2 ? a : b).add(xs[i], 1797 + i * 1000);
  a.merge(b);
  long double exact = 0;
  for (double x : xs)
    exact += x;
  CHECK(a.temperature.mean(a.count)
        == static_cast<double>(exact / xs.size()));
  CHECK(a.conductivity.mean(a.count) == 5297.0);
}

}

TEST_SUITE("stats") {

TEST_CASE("issue 3: large values with a spread of 1e-5 keep stddev to 1e-9") {
  // 999999.9 plus 0 to 9 units of the fifth decimal: the spread is eleven
  // orders below the values. A plain running update loses 5e-7 here.
  std::mt19937_64 rng{10};
  std::uniform_int_distribution<int> digit{0, 9};
  for (int layout = 0; layout < 3; ++layout) {
    std::vector<double> xs;
    std::vector<bucket_stats> parts(layout == 0 ? 1 : 59);
    for (int i = 0; i < 590; ++i) {
      char text[32];
      std::snprintf(text, sizeof text, "999999.9%04d", digit(rng));
      xs.push_back(std::strtod(text, nullptr));
      parts[layout == 2 ? i % parts.size() : i * parts.size() / 590].add(
        0, xs.back());
    }
    auto want = direct(xs);
    auto got = merge_all(parts);
    INFO("layout " << layout);
    CHECK(got.conductivity.mean(got.count) == doctest::Approx(want.mean).epsilon(1e-15));
    auto sd = *sample_stddev(got.conductivity, got.count);
    CHECK(std::abs(sd - *want.stddev) / *want.stddev <= 1e-9);
  }
}

}
