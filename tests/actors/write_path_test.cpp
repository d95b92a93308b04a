// SPDX-License-Identifier: MIT
#include <doctest/doctest.h>

#include "actors/raw_query.hpp"
#include "support/store_harness.hpp"

using namespace aquad;
using test::m;

namespace {

constexpr micros t0 = 1'796'392'800LL * usec_per_sec; // 2026-12-04T14:00Z

std::uint64_t minute_count(test::store_harness& h, sensor_num n, micros t) {
  auto v = h.backend->begin_read();
  auto b = (*v)->find_bucket(tier::minute, n, floor_to(t, usec_per_min));
  return b->has_value() ? (*b)->count : 0;
}

} // namespace

TEST_SUITE("write_path") {

TEST_CASE("new points are stored and counted once, replays as duplicates") {
  test::store_harness h;
  auto first = h.ingest_one({m("s1", t0, 21), m("s1", t0 + 1, 22)});
  CHECK(first.accepted == 2);
  CHECK(first.duplicates == 0);
  auto again = h.ingest_one({m("s1", t0, 21), m("s1", t0 + 2, 23)});
  CHECK(again.accepted == 1);
  CHECK(again.duplicates == 1);
  CHECK(minute_count(h, 0, t0) == 3);
  auto v = h.backend->begin_read();
  auto rec = read_sensor(**v, "s1");
  REQUIRE(rec);
  CHECK(rec->count == 3);
  CHECK(rec->first == t0);
  CHECK(rec->last == t0 + 2);
  CHECK(rec->latest.temperature_c == 23);
}

TEST_CASE("an identity repeated inside a batch counts once") {
  test::store_harness h;
  auto out =
    h.ingest_one({m("s1", t0, 21), m("s1", t0, 21), m("s2", t0, 21)});
  CHECK(out.accepted == 2);
  CHECK(out.duplicates == 1);
}

TEST_CASE("a conflicting value rejects the whole batch with its index") {
  test::store_harness h;
  h.ingest_one({m("s1", t0, 21)});
  auto out = h.ingest_one(
    {m("s1", t0 + 5, 1), m("s9", t0, 1), m("s1", t0, 25), m("s1", t0, 26)});
  REQUIRE(out.error);
  CHECK(out.error->code == errc::conflict);
  CHECK(out.error->index == 2u);
  CHECK(minute_count(h, 0, t0) == 1);
  auto v = h.backend->begin_read();
  CHECK_FALSE((*v)->find_sensor("s9")->has_value());
  CHECK_FALSE((*v)->find_raw(0, t0 + 5)->has_value());
}

TEST_CASE("two conflicting elements of one batch reject the later one") {
  test::store_harness h;
  auto out = h.ingest_one({m("s1", t0, 1), m("s2", t0, 5), m("s1", t0, 2)});
  REQUIRE(out.error);
  CHECK(out.error->index == 2u);
  auto v = h.backend->begin_read();
  CHECK_FALSE((*v)->find_sensor("s1")->has_value());
}

TEST_CASE("a conflict in one request of a commit leaves the others whole") {
  test::store_harness h;
  auto outs = h.ingest({{{m("s1", t0, 1)}, false},
                        {{m("s1", t0, 2)}, false},
                        {{m("s1", t0 + 1, 3)}, false}});
  CHECK_FALSE(outs[0].error);
  REQUIRE(outs[1].error);
  CHECK_FALSE(outs[1].error->index.has_value());
  CHECK(outs[2].accepted == 1);
  CHECK(minute_count(h, 0, t0) == 2);
}

TEST_CASE("points of windows already moved go to their 5-minute bucket") {
  test::store_harness h;
  auto now = t0 + 3 * usec_per_hour;
  h.age(now);
  auto old = t0 + 7 * usec_per_min + 3; // window [t0+5m, t0+10m)
  h.ingest_one({m("s1", old, 10), m("s1", now - usec_per_min, 20)});
  auto v = h.backend->begin_read();
  auto five = (*v)->find_bucket(tier::five_minute, 0, t0 + 5 * usec_per_min);
  REQUIRE(five->has_value());
  CHECK((*five)->count == 1);
  CHECK(*(*v)->bucket_count(tier::minute) == 1);
}

}
