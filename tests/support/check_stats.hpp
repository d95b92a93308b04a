// SPDX-License-Identifier: MIT
#pragma once

#include <doctest/doctest.h>

#include "common/stats.hpp"
#include "support/oracle.hpp"

namespace aquad::test {

/// Checks stored or merged statistics against the oracle's: counts,
/// minima and maxima exactly, means to 1e-9 and deviations to 1e-8
/// (relative), both metrics.
inline void check_bucket(const bucket_stats& got,
                         const expected_stats& want) {
  REQUIRE(got.count == want.count);
  if (want.count == 0)
    return;
  auto metric = [&](const metric_stats& g, const expected_metric& w) {
    CHECK(g.min == w.min);
    CHECK(g.max == w.max);
    CHECK(close(g.mean(got.count), w.mean));
    auto sd = sample_stddev(g, got.count);
    REQUIRE(sd.has_value() == w.stddev.has_value());
    if (sd)
      CHECK(close(*sd, *w.stddev, 1e-8));
  };
  metric(got.temperature, want.temperature);
  metric(got.conductivity, want.conductivity);
}

} // namespace aquad::test
