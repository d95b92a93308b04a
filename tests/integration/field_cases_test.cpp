// SPDX-License-Identifier: MIT
// The field cases of faults other time-series systems shipped, each as a
// regression test through the HTTP router, the actors and a real store.
#include <doctest/doctest.h>

#include "support/oracle.hpp"
#include "support/service_harness.hpp"

using namespace aquad;
using test::reading;
using test::service_harness;

namespace {

constexpr micros sec = usec_per_sec;
constexpr micros min = usec_per_min;
constexpr micros five = 5 * usec_per_min;

struct times {
  micros now;
  micros t_old; // now - 3h, floored to 5 minutes
  micros t_new; // now - 20 min, floored to 1 minute
};

times times_of(const service_harness& h) {
  auto now = h.now.load();
  return {now, floor_to(now - 3 * usec_per_hour, five),
          floor_to(now - 20 * min, min)};
}

std::string ts(micros t) {
  return format_timestamp(t);
}

service_harness::reply stats(service_harness& h, const std::string& sensor,
                             micros from, micros to,
                             const std::string& extra = "") {
  return h.get("/sensors/" + sensor + "/stats?from=" + ts(from)
               + "&to=" + ts(to) + extra);
}

void post_ok(service_harness& h, const std::string& sensor, micros t,
             double temp, double cond = 1500) {
  auto r = h.post(reading(sensor, t, temp, cond));
  INFO(r.text);
  REQUIRE(r.status == 201);
}

// The bucket of an answer starting at `start`, or null when absent.
nlohmann::json bucket_at(const service_harness::reply& r, micros start) {
  for (const auto& b : r.json["buckets"])
    if (b["start"] == ts(start))
      return b;
  return nullptr;
}

nlohmann::json only_bucket(const service_harness::reply& r) {
  INFO(r.text);
  REQUIRE(r.status == 200);
  REQUIRE(r.json["buckets"].size() == 1);
  return r.json["buckets"][0];
}

} // namespace

TEST_SUITE("field cases") {

TEST_CASE("FC-01: late data must reach the rollups") {
  service_harness h;
  auto [now, t_old, t_new] = times_of(h);
  post_ok(h, "s1", t_old, 10);
  post_ok(h, "s1", t_old + 60 * sec, 20);
  post_ok(h, "s1", t_old + 120 * sec, 30);
  auto b = only_bucket(stats(h, "s1", t_old, t_old + five, "&resolution=5m"));
  CHECK(b["count"] == 3);
  CHECK(b["temperature"]["mean"].get<double>() == doctest::Approx(20));

  post_ok(h, "s1", t_old + 180 * sec, 40);
  b = only_bucket(stats(h, "s1", t_old, t_old + five, "&resolution=5m"));
  CHECK(b["count"] == 4);
  CHECK(b["temperature"]["min"] == 10.0);
  CHECK(b["temperature"]["max"] == 40.0);
  CHECK(b["temperature"]["mean"].get<double>() == doctest::Approx(25));
  CHECK(b["temperature"]["stddev"].get<double>()
        == doctest::Approx(12.909944).epsilon(1e-6));

  post_ok(h, "s2", t_new + 10 * sec, 5);
  post_ok(h, "s2", t_new + 20 * sec, 7);
  h.now = h.now.load() + 2 * min; // T_new + 2m has long passed
  post_ok(h, "s2", t_new + 30 * sec, 9);
  b = only_bucket(stats(h, "s2", t_new, t_new + min, "&resolution=1m"));
  CHECK(b["count"] == 3);
  CHECK(b["temperature"]["mean"].get<double>() == doctest::Approx(7));
  CHECK(b["temperature"]["max"] == 9.0);

  h.now = h.now.load() + usec_per_hour;
  CHECK(h.age().windows_moved >= 1);
  auto window = floor_to(t_new, five);
  b = only_bucket(stats(h, "s2", window, window + five, "&resolution=5m"));
  CHECK(b["count"] == 3);
  CHECK(b["temperature"]["mean"].get<double>() == doctest::Approx(7));
}

TEST_CASE("FC-02: a mean of means is wrong") {
  service_harness h;
  auto [now, t_old, t_new] = times_of(h);
  post_ok(h, "s1", t_old + 10 * sec, 10);
  for (int s : {70, 80, 90})
    post_ok(h, "s1", t_old + s * sec, 20);
  auto b = only_bucket(stats(h, "s1", t_old, t_old + five, "&resolution=5m"));
  CHECK(b["count"] == 4);
  CHECK(b["temperature"]["mean"].get<double>() == doctest::Approx(17.5));
  CHECK(b["temperature"]["stddev"].get<double>() == doctest::Approx(5.0));

  auto base = floor_to(now - 5 * usec_per_hour, 15 * min);
  post_ok(h, "s2", base + min, 10);
  for (int k : {6, 7, 8})
    post_ok(h, "s2", base + k * min, 20);
  b = only_bucket(stats(h, "s2", base, base + 15 * min, "&resolution=15m"));
  CHECK(b["count"] == 4);
  CHECK(b["temperature"]["mean"].get<double>() == doctest::Approx(17.5));
}

TEST_CASE("FC-03: a short range in the past must not come back empty") {
  service_harness h;
  auto [now, t_old, t_new] = times_of(h);
  post_ok(h, "s1", t_old, 1);
  post_ok(h, "s1", t_old + 120 * sec, 2);
  post_ok(h, "s1", t_old + 300 * sec, 3);
  post_ok(h, "s1", t_old + 420 * sec, 4);
  auto r = stats(h, "s1", t_old, t_old + 10 * min);
  REQUIRE(r.status == 200);
  CHECK(r.json["resolution"] == "5m");
  auto first = bucket_at(r, t_old);
  auto second = bucket_at(r, t_old + five);
  REQUIRE(!first.is_null());
  REQUIRE(!second.is_null());
  CHECK(first["count"] == 2);
  CHECK(first["temperature"]["mean"].get<double>() == doctest::Approx(1.5));
  CHECK(second["count"] == 2);
  CHECK(second["temperature"]["mean"].get<double>() == doctest::Approx(3.5));

  auto b = floor_to(now - usec_per_hour, five);
  post_ok(h, "s2", b - 4 * min, 10);
  post_ok(h, "s2", b + 4 * min, 30);
  r = stats(h, "s2", b - 10 * min, b + 10 * min);
  REQUIRE(r.status == 200);
  CHECK(r.json["summary"]["count"] == 2);
  CHECK(r.json["summary"]["temperature"]["mean"].get<double>()
        == doctest::Approx(20));
}

TEST_CASE("FC-04: numbers are not timestamps") {
  service_harness h;
  post_ok(h, "s1", h.now.load() - min, 20);
  for (const char* t : {"1796392800", "\"1796392800\""}) {
    auto r = h.request("POST", "/measurements",
                       std::string{R"({"sensor_id":"s1","timestamp":)"} + t
                         + R"(,"temperature":20,"conductivity":1500})");
    CHECK(r.status == 400);
    CHECK(r.json["error"]["field"] == "timestamp");
  }
  auto r = h.get("/sensors/s1/measurements?from=1970-01-01T00:00:00Z"
                 "&to=1971-01-01T00:00:00Z");
  REQUIRE(r.status == 200);
  CHECK(r.json["measurements"].empty());
}

TEST_CASE("FC-05: a replay is not a second point") {
  service_harness h;
  auto [now, t_old, t_new] = times_of(h);
  auto a = reading("s1", t_new + 10 * sec, 21.0);
  auto b = reading("s1", t_new + 20 * sec, 23.0);
  REQUIRE(h.post(a).status == 201);
  auto batch = h.post(nlohmann::json::array({a, a, b}));
  REQUIRE(batch.status == 201);
  CHECK(batch.json["accepted"] == 1);
  CHECK(batch.json["duplicates"] == 2);

  auto raw = h.get("/sensors/s1/measurements?from=" + ts(t_new)
                   + "&to=" + ts(t_new + min));
  CHECK(raw.json["measurements"].size() == 2);
  auto check = [&](const char* res, micros from, micros to) {
    auto bk = only_bucket(stats(h, "s1", from, to,
                                std::string{"&resolution="} + res));
    CHECK(bk["count"] == 2);
    CHECK(bk["temperature"]["mean"].get<double>() == doctest::Approx(22));
    CHECK(bk["temperature"]["min"] == 21.0);
    CHECK(bk["temperature"]["max"] == 23.0);
  };
  check("1m", t_new, t_new + min);

  auto conflict = h.post(reading("s1", t_new + 10 * sec, 25.0));
  CHECK(conflict.status == 409);
  CHECK(conflict.json["error"]["code"] == "conflict");
  check("1m", t_new, t_new + min);

  h.now = h.now.load() + usec_per_hour;
  h.age();
  auto window = floor_to(t_new, five);
  check("5m", window, window + five);
}

TEST_CASE("FC-06: sparse data must not vanish") {
  service_harness h;
  auto [now, t_old, t_new] = times_of(h);
  for (int i = 0; i < 4; ++i)
    post_ok(h, "s1", t_old + i * 180 * sec, i + 1);
  auto r = stats(h, "s1", t_old, t_old + 15 * min, "&resolution=5m");
  REQUIRE(r.status == 200);
  REQUIRE(r.json["buckets"].size() == 2);
  CHECK(bucket_at(r, t_old)["count"] == 2);
  CHECK(bucket_at(r, t_old)["temperature"]["mean"].get<double>()
        == doctest::Approx(1.5));
  CHECK(bucket_at(r, t_old + five)["count"] == 2);
  CHECK(bucket_at(r, t_old + five)["temperature"]["mean"].get<double>()
        == doctest::Approx(3.5));
  CHECK(bucket_at(r, t_old + 2 * five).is_null());

  r = stats(h, "s1", t_old, t_old + 15 * min, "&resolution=5m&fill=null");
  auto empty = bucket_at(r, t_old + 2 * five);
  REQUIRE(!empty.is_null());
  CHECK(empty["count"] == 0);
  CHECK(empty["temperature"]["mean"].is_null());
  CHECK(empty["conductivity"]["stddev"].is_null());
}

TEST_CASE("FC-07: floating-point drift") {
  config cfg;
  cfg.ingest.conductivity_max = 2'000'000;
  service_harness h{cfg};
  auto [now, t_old, t_new] = times_of(h);
  for (int batch = 0; batch < 7; ++batch) {
    auto arr = nlohmann::json::array();
    for (int i = batch * 10; i < batch * 10 + 10; ++i)
      arr.push_back(reading("s1", t_new + i * sec / 2, 0.4));
    REQUIRE(h.post(arr).status == 201);
  }
  auto b = only_bucket(stats(h, "s1", t_new, t_new + min, "&resolution=1m"));
  CHECK(b["count"] == 70);
  CHECK(std::abs(b["temperature"]["mean"].get<double>() - 0.4) <= 1e-15);
  REQUIRE(b["temperature"]["stddev"].is_number());
  CHECK(b["temperature"]["stddev"].get<double>() <= 1e-12);

  auto t = t_new + 2 * min;
  post_ok(h, "s2", t + 1 * sec, 20, 1000000.1);
  post_ok(h, "s2", t + 2 * sec, 20, 1000000.2);
  post_ok(h, "s2", t + 3 * sec, 20, 1000000.3);
  b = only_bucket(stats(h, "s2", t, t + min, "&resolution=1m"));
  CHECK(std::abs(b["conductivity"]["mean"].get<double>() - 1000000.2) <= 1e-6);
  CHECK(std::abs(b["conductivity"]["stddev"].get<double>() - 0.1) <= 1e-6);
}

TEST_CASE("FC-08: a huge range must not take the server down") {
  service_harness h;
  auto [now, t_old, t_new] = times_of(h);
  post_ok(h, "s1", t_old + 10 * sec, 10);
  post_ok(h, "s1", t_new + 10 * sec, 30);
  auto r = h.get("/sensors/s1/stats?from=" + ts(t_old)
                 + "&to=20242024-04-19T16:00:00Z");
  CHECK(r.status == 400);

  const std::string everything =
    "/sensors/s1/stats?from=1970-01-01T00:00:00Z&to=9999-12-31T00:00:00Z";
  r = h.get(everything + "&resolution=5m");
  CHECK(r.status == 422);
  CHECK(r.json["error"]["message"].get<std::string>().find("100000")
        != std::string::npos);
  r = h.get(everything);
  REQUIRE(r.status == 200);
  CHECK(r.json["resolution"] == "1d");
  CHECK(r.json["buckets"].size() <= 1000);
  CHECK(r.json["summary"]["count"] == 2);
  r = h.get(everything + "&fill=null");
  CHECK(r.status == 422);

  r = stats(h, "s1", t_old, t_old + five, "&resolution=5m");
  REQUIRE(r.status == 200);
  CHECK(r.json["summary"]["count"] == 1);
  CHECK(r.json["summary"]["temperature"]["mean"] == 10.0);
}

}
