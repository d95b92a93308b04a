// SPDX-License-Identifier: MIT
#include <doctest/doctest.h>

#include <random>

#include "support/check_stats.hpp"
#include "support/store_harness.hpp"

using namespace aquad;
using test::m;

namespace {

constexpr micros t0 = 1'796'392'800LL * usec_per_sec; // 2026-12-04T14:00Z
constexpr micros five = 5 * usec_per_min;

stats_request ask(micros from, micros to, micros width = 0) {
  stats_request r;
  r.sensor_id = "s1";
  r.from = from;
  r.to = to;
  if (width != 0) {
    r.how = stats_request::mode::width;
    r.width = width;
  }
  return r;
}


// Every bucket and the summary against the oracle.
void check_result(const stats_result& r, const std::vector<raw_point>& pts) {
  for (const auto& b : r.buckets) {
    INFO("bucket " << format_timestamp(b.start) << " .. "
                   << format_timestamp(b.end));
    test::check_bucket(b.stats, test::stats_of(pts, b.start, b.end));
  }
  test::check_bucket(r.summary, test::stats_of(pts, r.from, r.to));
  // Buckets are ordered, disjoint and inside the range.
  for (std::size_t i = 0; i < r.buckets.size(); ++i) {
    CHECK(r.buckets[i].start >= r.from);
    CHECK(r.buckets[i].end <= r.to);
    if (i > 0)
      CHECK(r.buckets[i - 1].end <= r.buckets[i].start);
  }
}

} // namespace

TEST_SUITE("stats_query") {

TEST_CASE("grid cells count every cell the range meets") {
  CHECK(grid_cells(0, five, five) == 1);
  CHECK(grid_cells(1, five + 1, five) == 2);
  CHECK(grid_cells(-1, 1, five) == 2);
  CHECK(grid_cells(0, usec_per_day, usec_per_min) == 1440);
}

TEST_CASE("auto picks the first ladder width within max_points") {
  test::store_harness h;
  auto now = t0 + 10 * usec_per_day;
  h.age(now);
  h.ingest_one({m("s1", now - 1, 1)});
  auto width_for = [&](micros from, micros to) {
    auto r = h.stats(ask(from, to));
    REQUIRE(r);
    return r->resolution;
  };
  CHECK(width_for(now - usec_per_hour, now) == "1m");
  CHECK(width_for(now - 2 * usec_per_hour, now) == "5m"); // before the tier
  CHECK(width_for(now - 7 * usec_per_day, now) == "15m");
  CHECK(width_for(now - 30 * usec_per_day, now) == "1h");
  CHECK(width_for(now - 400 * usec_per_day, now) == "12h");
  CHECK(width_for(now - 3000 * usec_per_day, now) == "1d");
}

TEST_CASE("explicit 1m before the minute tier is 422 naming the widths") {
  test::store_harness h;
  auto now = t0 + usec_per_day;
  h.age(now);
  h.ingest_one({m("s1", now - 1, 1)});
  auto r = h.stats(ask(now - 2 * usec_per_hour, now, usec_per_min));
  REQUIRE_FALSE(r);
  auto p = to_problem(r.error());
  CHECK(p.code == errc::resolution_unavailable);
  CHECK(p.message.find("5m") != std::string::npos);
}

TEST_CASE("a grid over max_buckets is 422; exactly the limit is answered") {
  test::store_harness h;
  h.ingest_one({m("s1", t0, 1)});
  auto req = ask(t0, t0 + 100 * five, five);
  req.max_buckets = 100;
  CHECK(h.stats(req));
  req.to += 1;
  auto r = h.stats(req);
  REQUIRE_FALSE(r);
  CHECK(to_problem(r.error()).code == errc::too_many_buckets);
  CHECK(to_problem(r.error()).message.find("100") != std::string::npos);
}

TEST_CASE("an unknown sensor is 404") {
  test::store_harness h;
  auto r = h.stats(ask(t0, t0 + five));
  REQUIRE_FALSE(r);
  CHECK(to_problem(r.error()).code == errc::unknown_sensor);
}

TEST_CASE("fill=null lists empty cells with count 0; otherwise they go") {
  test::store_harness h;
  h.ingest_one({m("s1", t0 + 1, 1), m("s1", t0 + 2 * five + 1, 2)});
  auto plain = h.stats(ask(t0, t0 + 3 * five, five));
  REQUIRE(plain);
  CHECK(plain->buckets.size() == 2);
  auto req = ask(t0, t0 + 3 * five, five);
  req.fill = true;
  auto filled = h.stats(req);
  REQUIRE(filled);
  REQUIRE(filled->buckets.size() == 3);
  CHECK(filled->buckets[1].stats.count == 0);
  CHECK(filled->buckets[1].start == t0 + five);
}

TEST_CASE("raw resolution gives one bucket over the range from raw points") {
  test::store_harness h;
  h.ingest_one({m("s1", t0 + 1, 1), m("s1", t0 + 2 * five + 1, 2)});
  auto req = ask(t0 + 1, t0 + 2 * five + 2);
  req.how = stats_request::mode::raw;
  auto r = h.stats(req);
  REQUIRE(r);
  REQUIRE(r->buckets.size() == 1);
  CHECK(r->resolution == "raw");
  CHECK(r->buckets[0].start == t0 + 1);
  CHECK(r->buckets[0].stats.count == 2);
  CHECK(r->summary.temperature.mean(r->summary.count) == 1.5);
}

TEST_CASE("random ranges and widths match the raw data, across the tiers") {
  for (const char* kind : {"memory", "lmdb"}) {
    INFO(kind);
    std::uint64_t seed = 20261204;
    INFO("seed " << seed);
    std::mt19937_64 rng{seed};
    test::store_harness h{kind};
    auto now = t0 + 2 * usec_per_day;
    h.age(now - 6 * usec_per_hour);

    // Eight hours of data every 7 s with jitter, sent in shuffled batches
    // while the watermark advances in steps, so that late points land in
    // both tiers.
    std::vector<raw_point> pts;
    std::uniform_real_distribution<double> temp{20, 30};
    std::uniform_int_distribution<int> cond{1000, 3000};
    std::uniform_int_distribution<micros> jitter{0, 999'999};
    for (micros t = now - 8 * usec_per_hour; t < now;
         t += 7 * usec_per_sec)
      pts.push_back({t + jitter(rng), std::round(temp(rng) * 10) / 10,
                     double(cond(rng))});
    auto shuffled = pts;
    std::shuffle(shuffled.begin(), shuffled.end(), rng);
    for (std::size_t i = 0; i < shuffled.size(); i += 500) {
      std::vector<measurement> batch;
      for (std::size_t k = i; k < std::min(i + 500, shuffled.size()); ++k)
        batch.push_back(m("s1", shuffled[k].time, shuffled[k].temperature_c,
                          shuffled[k].conductivity_us_cm));
      REQUIRE(h.ingest_one(batch).accepted == batch.size());
      h.age(now - 6 * usec_per_hour + micros(i) * usec_per_sec);
    }
    h.age(now);

    std::uniform_int_distribution<micros> at{now - 9 * usec_per_hour, now};
    const auto& ladder = resolution_ladder();
    std::uniform_int_distribution<std::size_t> pick{0, ladder.size()};
    for (int q = 0; q < 200; ++q) {
      auto a = at(rng), b = at(rng);
      if (a == b)
        continue;
      auto req = ask(std::min(a, b), std::max(a, b));
      auto choice = pick(rng);
      if (choice < ladder.size()) {
        req.how = stats_request::mode::width;
        req.width = ladder[choice];
      } else if (q % 2 == 0) {
        req.how = stats_request::mode::raw;
      }
      INFO("query " << format_timestamp(req.from) << " "
                    << format_timestamp(req.to) << " choice " << choice);
      auto r = h.stats(req);
      if (!r) {
        CHECK(to_problem(r.error()).code == errc::resolution_unavailable);
        continue;
      }
      check_result(*r, pts);
    }
  }
}

}
