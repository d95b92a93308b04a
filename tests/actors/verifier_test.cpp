// SPDX-License-Identifier: MIT
#include <doctest/doctest.h>

#include "actors/verifier.hpp"
#include "support/store_harness.hpp"

using namespace aquad;
using test::m;

namespace {

constexpr micros t0 = 1'796'392'800LL * usec_per_sec; // 2026-12-04T14:00Z

void load(test::store_harness& h) {
  h.age(t0 + usec_per_hour); // windows before t0 are in the 5-minute tier
  std::vector<measurement> batch;
  for (int i = 0; i < 120; ++i)
    batch.push_back(m(i % 2 ? "a" : "b", t0 - usec_per_hour + micros{i} * 59 * usec_per_sec,
                      20 + i % 7, 1000 + i));
  REQUIRE(h.ingest_one(batch).accepted == 120);
}

verify_report verify(test::store_harness& h, bool repair) {
  auto r = verify_store(*h.backend, repair);
  REQUIRE(r);
  return *r;
}

template <class F>
void tamper(test::store_harness& h, F&& f) {
  auto txn = h.backend->begin_write();
  REQUIRE(txn);
  f(**txn);
  REQUIRE_FALSE((*txn)->commit());
}

} // namespace

TEST_SUITE("verifier") {

TEST_CASE("a store written by the write path verifies clean") {
  for (const char* kind : {"memory", "lmdb"}) {
    INFO(kind);
    test::store_harness h{kind};
    load(h);
    h.age(t0 + 2 * usec_per_hour);
    auto r = verify(h, false);
    CHECK(r.sensors == 2);
    CHECK(r.points == 120);
    CHECK(r.buckets > 0);
    CHECK(r.mismatched_records == 0);
    CHECK(r.mismatches.empty());
  }
}

TEST_CASE("a wrong, a missing and a stray bucket are reported and repaired") {
  test::store_harness h{"lmdb"};
  load(h);
  micros wrong = t0 + 10 * usec_per_min;   // minute tier
  micros gone = t0 - 30 * usec_per_min;    // five-minute tier
  micros stray = t0 + 9 * usec_per_hour;   // no data there
  tamper(h, [&](write_txn& w) {
    auto b = w.find_bucket(tier::minute, 0, wrong);
    REQUIRE(b->has_value());
    auto changed = **b;
    changed.temperature.max += 1;
    REQUIRE_FALSE(w.put_bucket(tier::minute, 0, wrong, changed));
    REQUIRE_FALSE(w.erase_bucket(tier::five_minute, 0, gone));
    REQUIRE_FALSE(w.put_bucket(tier::minute, 1, stray, changed));
  });

  auto r = verify(h, false);
  CHECK(r.mismatched_records == 3);
  REQUIRE(r.mismatches.size() == 3);
  bool saw_max = false;
  for (const auto& x : r.mismatches)
    if (x.tier == "1m" && x.start == wrong && x.statistic == "temperature.max")
      saw_max = true;
  CHECK(saw_max);
  CHECK_FALSE(r.repaired);
  CHECK(verify(h, false).mismatched_records == 3); // a check changes nothing

  auto fixed = verify(h, true);
  CHECK(fixed.repaired);
  CHECK(verify(h, false).mismatched_records == 0);
}

TEST_CASE("a sensor record that disagrees with its points is reported") {
  test::store_harness h;
  load(h);
  tamper(h, [&](write_txn& w) {
    auto s = w.find_sensor("a");
    auto rec = **s;
    rec.count += 5;
    REQUIRE_FALSE(w.put_sensor(rec));
  });
  auto r = verify(h, false);
  REQUIRE(r.mismatches.size() == 1);
  CHECK(r.mismatches[0].tier == "sensor");
  CHECK(r.mismatches[0].statistic == "count");
  verify(h, true);
  CHECK(verify(h, false).mismatched_records == 0);
}

}
