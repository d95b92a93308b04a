// SPDX-License-Identifier: MIT
// A randomized test against an oracle: the store must hold, at every tier,
// exactly the statistics of the points the test itself kept, whatever the
// order, duplication and lateness of their arrival and however aging runs
// interleave with it. Seeded; set AQUAD_SEED to replay a run.
#include <doctest/doctest.h>

#include <cstdlib>
#include <map>
#include <random>
#include <set>

#include "actors/verifier.hpp"
#include "support/check_stats.hpp"
#include "support/store_harness.hpp"

using namespace aquad;

namespace {

constexpr micros five = 5 * usec_per_min;
constexpr micros t0 = 1'796'342'400LL * usec_per_sec; // 2026-12-04T00:00Z
const std::vector<std::string> sensors = {"s1", "s2", "s3", "s4"};

std::uint64_t seed_of() {
  if (const char* s = std::getenv("AQUAD_SEED"))
    return std::strtoull(s, nullptr, 10);
  return 4242;
}

struct identity {
  std::string sensor;
  micros time;
  bool operator<(const identity& o) const {
    return std::tie(sensor, time) < std::tie(o.sensor, o.time);
  }
};

// The test's own copy of what must be stored.
struct oracle_store {
  std::map<identity, raw_point> points;
  micros watermark = min_instant;

  std::vector<raw_point> series(const std::string& s) const {
    std::vector<raw_point> out;
    for (auto it = points.lower_bound({s, min_instant});
         it != points.end() && it->first.sensor == s; ++it)
      out.push_back(it->second);
    return out;
  }
};


// Every stored bucket of both tiers, and no bucket missing, against the
// oracle's points and watermark.
void check_tiers(test::store_harness& h, const oracle_store& o) {
  auto view = h.backend->begin_read();
  REQUIRE(view);
  CHECK(*(*view)->watermark() == o.watermark);
  std::uint64_t total = 0;
  for (const auto& s : sensors) {
    auto pts = o.series(s);
    auto rec = (*view)->find_sensor(s);
    REQUIRE(rec);
    if (pts.empty())
      continue;
    REQUIRE(rec->has_value());
    CHECK((*rec)->count == pts.size());
    std::map<std::pair<int, micros>, bool> expected;
    for (const auto& p : pts) {
      auto window = floor_to(p.time, five);
      if (window + five <= o.watermark)
        expected[{1, window}] = true;
      else
        expected[{0, floor_to(p.time, usec_per_min)}] = true;
    }
    std::size_t seen = 0;
    for (auto t : {tier::minute, tier::five_minute}) {
      auto err = (*view)->scan_buckets(
        t, (*rec)->num, min_instant, max_instant,
        [&](micros start, const bucket_stats& b) {
          INFO("sensor " << s << " tier " << int(t) << " bucket "
                         << format_timestamp(start));
          CHECK(expected.count({int(t), start}) == 1);
          test::check_bucket(b, test::stats_of(pts, start, start + tier_width(t)));
          ++seen;
          return true;
        });
      REQUIRE_FALSE(err);
    }
    CHECK(seen == expected.size());
    total += pts.size();
  }
  CHECK(total == o.points.size());
}

void check_random_ranges(test::store_harness& h, const oracle_store& o,
                         std::mt19937_64& rng, micros now) {
  std::uniform_int_distribution<micros> at{t0 - usec_per_hour,
                                           now + usec_per_hour};
  std::uniform_int_distribution<std::size_t> which{0, sensors.size() - 1};
  for (int q = 0; q < 60; ++q) {
    auto a = at(rng), b = at(rng);
    if (a == b)
      continue;
    stats_request req;
    req.sensor_id = sensors[which(rng)];
    req.from = std::min(a, b);
    req.to = std::max(a, b);
    auto r = h.stats(req);
    if (!r) {
      CHECK(to_problem(r.error()).code == errc::unknown_sensor);
      continue;
    }
    INFO("range " << format_timestamp(req.from) << " "
                  << format_timestamp(req.to) << " " << req.sensor_id);
    auto pts = o.series(req.sensor_id);
    test::check_bucket(r->summary, test::stats_of(pts, req.from, req.to));
    for (const auto& bk : r->buckets)
      test::check_bucket(bk.stats, test::stats_of(pts, bk.start, bk.end));
  }
}

} // namespace

TEST_SUITE("randomized") {

TEST_CASE("buckets at every tier equal the oracle through a messy stream") {
  auto seed = seed_of();
  INFO("seed " << seed << " (replay with AQUAD_SEED=" << seed << ")");
  MESSAGE("randomized oracle test, seed " << seed);
  std::mt19937_64 rng{seed};
  test::store_harness h{"lmdb"};
  oracle_store o;

  // Three days of readings, about one every 10 s per sensor, with
  // sub-second jitter and values of realistic resolution.
  std::vector<measurement> timeline;
  std::uniform_int_distribution<micros> gap{1 * usec_per_sec,
                                            19 * usec_per_sec};
  std::uniform_int_distribution<int> tenth{200, 300};
  std::uniform_int_distribution<int> cond{1000, 3000};
  for (const auto& s : sensors)
    for (micros t = t0 + gap(rng); t < t0 + 3 * usec_per_day; t += gap(rng))
      timeline.push_back({s, t, tenth(rng) / 10.0, double(cond(rng))});
  REQUIRE(timeline.size() >= 100'000);
  std::shuffle(timeline.begin(), timeline.end(), rng);
  std::stable_sort(timeline.begin(), timeline.end(),
                   [](const auto& a, const auto& b) { return a.time < b.time; });

  std::bernoulli_distribution hold_back{0.05}, replay{0.3}, conflict{0.05},
    age_now{0.1}, echo{0.2};
  std::vector<measurement> held;
  std::size_t next = 0, conflicts = 0, replays = 0;
  micros last_age = min_instant;
  // Twelve phases of six hours; the clock is the end of the phase.
  for (int phase = 1; phase <= 12; ++phase) {
    micros now = t0 + phase * 6 * usec_per_hour;
    std::vector<measurement> due;
    for (; next < timeline.size() && timeline[next].time < now; ++next)
      (hold_back(rng) ? held : due).push_back(timeline[next]);
    // Late points from earlier phases arrive now, shuffled in.
    std::uniform_int_distribution<std::size_t> half{0, held.size()};
    auto late = half(rng);
    due.insert(due.end(), held.begin(), held.begin() + late);
    held.erase(held.begin(), held.begin() + late);
    // Local disorder: shuffle within windows of 200.
    for (std::size_t i = 0; i < due.size(); i += 200)
      std::shuffle(due.begin() + i,
                   due.begin() + std::min(i + 200, due.size()), rng);

    std::uniform_int_distribution<std::size_t> batch_size{1, 400};
    for (std::size_t i = 0; i < due.size();) {
      std::vector<ingest_request> group;
      std::vector<std::pair<std::size_t, std::size_t>> expect; // new, dup
      std::vector<bool> expect_conflict;
      for (int r = 0; r < 4 && i < due.size(); ++r) {
        auto n = std::min(batch_size(rng), due.size() - i);
        ingest_request req{{due.begin() + i, due.begin() + i + n}, true};
        i += n;
        // An element repeated inside its own batch.
        if (echo(rng))
          req.points.push_back(req.points.front());
        std::set<identity> fresh_in_req;
        std::size_t dups = 0;
        for (const auto& m : req.points)
          if (o.points.count({m.sensor_id, m.time})
              || !fresh_in_req.insert({m.sensor_id, m.time}).second)
            ++dups;
        // Replays of stored points, with the same values.
        if (!o.points.empty() && replay(rng)) {
          auto it = o.points.begin();
          std::advance(it, std::uniform_int_distribution<std::size_t>{
                             0, o.points.size() - 1}(rng));
          req.points.push_back({it->first.sensor, it->first.time,
                                it->second.temperature_c,
                                it->second.conductivity_us_cm});
          ++dups;
          ++replays;
        }
        bool bad = false;
        if (!o.points.empty() && conflict(rng)) {
          auto it = o.points.begin();
          std::advance(it, std::uniform_int_distribution<std::size_t>{
                             0, o.points.size() - 1}(rng));
          req.points.push_back({it->first.sensor, it->first.time,
                                it->second.temperature_c + 0.5,
                                it->second.conductivity_us_cm});
          bad = true;
          ++conflicts;
          // A rejected batch stores nothing: its points come again later.
          held.insert(held.end(), due.begin() + (i - n), due.begin() + i);
        }
        expect.push_back({fresh_in_req.size(), dups});
        expect_conflict.push_back(bad);
        group.push_back(std::move(req));
      }
      auto outs = h.ingest(group);
      for (std::size_t k = 0; k < group.size(); ++k) {
        if (expect_conflict[k]) {
          REQUIRE(outs[k].error);
          CHECK(outs[k].error->code == errc::conflict);
          CHECK(outs[k].error->index == group[k].points.size() - 1);
          continue;
        }
        REQUIRE_FALSE(outs[k].error);
        CHECK(outs[k].accepted == expect[k].first);
        CHECK(outs[k].duplicates == expect[k].second);
        for (const auto& m : group[k].points)
          o.points.emplace(identity{m.sensor_id, m.time},
                           raw_point{m.time, m.temperature_c,
                                     m.conductivity_us_cm});
      }
      if (age_now(rng)) {
        // Aging at a time inside the phase, never going back.
        micros when = std::max(last_age, now - 6 * usec_per_hour
                                           + std::uniform_int_distribution<micros>{
                                               0, 6 * usec_per_hour}(rng));
        h.age(when);
        last_age = when;
        o.watermark = std::max(o.watermark, rollup_target(when, usec_per_hour));
      }
    }
    h.age(now);
    last_age = now;
    o.watermark = std::max(o.watermark, rollup_target(now, usec_per_hour));
    INFO("phase " << phase);
    check_tiers(h, o);
    check_random_ranges(h, o, rng, now);
  }
  // The last held-back points, then everything once more.
  if (!held.empty())
    h.ingest_one(held);
  for (const auto& m : held)
    o.points.emplace(identity{m.sensor_id, m.time},
                     raw_point{m.time, m.temperature_c, m.conductivity_us_cm});
  check_tiers(h, o);
  auto verified = verify_store(*h.backend, false);
  REQUIRE(verified);
  CHECK(verified->mismatched_records == 0);
  CHECK(verified->points == o.points.size());
  MESSAGE("points " << o.points.size() << ", replays " << replays
                    << ", conflicting replays " << conflicts);
  CHECK(o.points.size() == timeline.size());
}

TEST_CASE("a day sent in random order gives the buckets of the day in order") {
  std::mt19937_64 rng{seed_of()};
  std::vector<measurement> day;
  for (micros t = t0; t < t0 + usec_per_day; t += 5 * usec_per_sec)
    day.push_back({"s1", t + 1234, 20 + (t / usec_per_sec % 97) / 10.0,
                   1000.0 + t / usec_per_sec % 2001});
  auto shuffled = day;
  std::shuffle(shuffled.begin(), shuffled.end(), rng);
  auto now = t0 + usec_per_day + 10 * usec_per_min;

  test::store_harness in_order, random_order;
  for (auto* h : {&in_order, &random_order}) {
    h->age(t0); // everything starts in the 1-minute tier
    const auto& src = h == &in_order ? day : shuffled;
    for (std::size_t i = 0; i < src.size(); i += 1000)
      h->ingest_one({src.begin() + i,
                     src.begin() + std::min(i + 1000, src.size())});
    h->age(now);
  }
  auto a = in_order.backend->begin_read();
  auto b = random_order.backend->begin_read();
  for (auto t : {tier::minute, tier::five_minute}) {
    std::vector<std::pair<micros, bucket_stats>> x, y;
    (*a)->scan_buckets(t, 0, min_instant, max_instant,
                       [&](micros s, const bucket_stats& v) {
                         x.emplace_back(s, v);
                         return true;
                       });
    (*b)->scan_buckets(t, 0, min_instant, max_instant,
                       [&](micros s, const bucket_stats& v) {
                         y.emplace_back(s, v);
                         return true;
                       });
    REQUIRE(x.size() == y.size());
    for (std::size_t i = 0; i < x.size(); ++i) {
      CHECK(x[i].first == y[i].first);
      CHECK(x[i].second.count == y[i].second.count);
      CHECK(x[i].second.temperature.min == y[i].second.temperature.min);
      CHECK(x[i].second.conductivity.max == y[i].second.conductivity.max);
      // Compensated sums make the means agree to the last bit.
      CHECK(x[i].second.temperature.mean(x[i].second.count)
            == y[i].second.temperature.mean(y[i].second.count));
      CHECK(test::close(*sample_stddev(x[i].second.temperature,
                                       x[i].second.count),
                        *sample_stddev(y[i].second.temperature,
                                       y[i].second.count),
                        1e-12));
    }
  }
}

}
