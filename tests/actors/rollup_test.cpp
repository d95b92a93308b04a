// SPDX-License-Identifier: MIT
#include <doctest/doctest.h>

#include "support/oracle.hpp"
#include "support/store_harness.hpp"

using namespace aquad;
using test::m;

namespace {

constexpr micros t0 = 1'796'392'800LL * usec_per_sec; // 2026-12-04T14:00Z

} // namespace

TEST_SUITE("rollup") {

TEST_CASE("the target is the 5-minute window start of now minus the tier") {
  CHECK(rollup_target(t0 + 3 * usec_per_min, usec_per_hour)
        == t0 - usec_per_hour);
  CHECK(rollup_target(t0 + 5 * usec_per_min, usec_per_hour)
        == t0 - 55 * usec_per_min);
}

TEST_CASE("aged minute buckets merge into one 5-minute bucket and go") {
  for (const char* kind : {"memory", "lmdb"}) {
    INFO(kind);
    test::store_harness h{kind};
    h.age(t0); // watermark at t0 - 1h; everything after is minute tier
    std::vector<raw_point> pts;
    std::vector<measurement> batch;
    for (int i = 0; i < 30; ++i) {
      micros t = t0 + i * 20 * usec_per_sec; // 10 minutes, 3 per minute
      double temp = 20 + (i * 7 % 11) * 0.1;
      batch.push_back(m("s1", t, temp, 1000 + i));
      pts.push_back({t, temp, 1000.0 + i});
    }
    h.ingest_one(batch);
    {
      auto v = h.backend->begin_read();
      CHECK(*(*v)->bucket_count(tier::minute) == 10);
    }
    // At t0 + 1h06m the window [t0, t0+5m) is old enough, the next not.
    auto report = h.age(t0 + usec_per_hour + 6 * usec_per_min);
    CHECK(report.windows_moved == 1);
    CHECK(report.minute_buckets == 5);
    CHECK(report.watermark_after == t0 + 5 * usec_per_min);
    auto v = h.backend->begin_read();
    CHECK(*(*v)->bucket_count(tier::minute) == 5);
    auto five = (*v)->find_bucket(tier::five_minute, 0, t0);
    REQUIRE(five->has_value());
    auto want = test::stats_of(pts, t0, t0 + 5 * usec_per_min);
    CHECK((*five)->count == want.count);
    CHECK(test::close((*five)->temperature.mean((*five)->count), want.temperature.mean));
    CHECK((*five)->temperature.max == want.temperature.max);
    CHECK(test::close((*five)->conductivity.mean((*five)->count), want.conductivity.mean));
  }
}

TEST_CASE("a rollup at the same time again does nothing") {
  test::store_harness h;
  h.age(t0);
  h.ingest_one({m("s1", t0 + 1, 1)});
  auto later = t0 + 2 * usec_per_hour;
  CHECK(h.age(later).windows_moved == 1);
  auto again = h.age(later);
  CHECK(again.windows_moved == 0);
  CHECK(again.watermark_after == again.watermark_before);
}

TEST_CASE("a long outage is caught up in one run") {
  test::store_harness h;
  h.age(t0);
  std::vector<measurement> batch;
  for (int i = 0; i < 60; ++i)
    batch.push_back(m("s" + std::to_string(i % 3), t0 + i * usec_per_min, i));
  h.ingest_one(batch);
  auto report = h.age(t0 + 3 * usec_per_day);
  CHECK(report.windows_moved == 36); // 12 windows x 3 sensors
  CHECK(report.minute_buckets == 60);
  auto v = h.backend->begin_read();
  CHECK(*(*v)->bucket_count(tier::minute) == 0);
  CHECK(*(*v)->bucket_count(tier::five_minute) == 36);
}

}
