// SPDX-License-Identifier: MIT
#include <doctest/doctest.h>

#include <cmath>

#include "daemon/http_parse.hpp"

using namespace aquad;

namespace {

const micros now = *parse_timestamp("2026-12-04T12:00:00Z");

template <class T>
const problem& problem_of(const parsed<T>& p) {
  REQUIRE(std::holds_alternative<problem>(p));
  return std::get<problem>(p);
}

template <class T>
const T& value_of(const parsed<T>& p) {
  if (auto* e = std::get_if<problem>(&p))
    FAIL(e->message);
  return std::get<T>(p);
}

std::string one(const std::string& fields) {
  return "{\"sensor_id\":\"s1\"," + fields + "}";
}

const std::string ok_fields =
  R"("timestamp":"2026-12-04T11:59:00Z","temperature":21.5,"conductivity":1500)";

} // namespace

TEST_SUITE("http_parse") {

TEST_CASE("a simulator measurement decodes to one point") {
  config cfg;
  auto req = value_of(decode_measurements(one(ok_fields), cfg, now));
  CHECK_FALSE(req.batch);
  REQUIRE(req.points.size() == 1);
  CHECK(req.points[0].sensor_id == "s1");
  CHECK(req.points[0].time == now - usec_per_min);
  CHECK(req.points[0].temperature_c == 21.5);
  CHECK(req.points[0].conductivity_us_cm == 1500);
}

TEST_CASE("FC-04: numbers are not timestamps") {
  config cfg;
  for (auto ts : {"1796392800", "\"1796392800\""}) {
    auto p = problem_of(decode_measurements(
      one(std::string{"\"timestamp\":"} + ts
          + ",\"temperature\":1,\"conductivity\":1"),
      cfg, now));
    CHECK(p.code == errc::invalid_field);
    CHECK(http_status(p.code) == 400);
    CHECK(p.field == "timestamp");
  }
}

TEST_CASE("each field rule gives its status and names the field") {
  config cfg;
  struct row {
    std::string body;
    int status;
    const char* field;
  };
  std::vector<row> rows = {
    {R"({"timestamp":"2026-12-04T11:59:00Z","temperature":1,"conductivity":1})",
     400, "sensor_id"},
    {R"({"sensor_id":"bad id","timestamp":"2026-12-04T11:59:00Z","temperature":1,"conductivity":1})",
     400, "sensor_id"},
    {one(R"("timestamp":"2026-12-04 11:59:00Z","temperature":1,"conductivity":1)"),
     400, "timestamp"},
    {one(R"("timestamp":"2026-12-04T11:59:00","temperature":1,"conductivity":1)"),
     400, "timestamp"},
    {one(R"("timestamp":"2026-12-04T12:06:00Z","temperature":1,"conductivity":1)"),
     422, "timestamp"},
    {one(R"("timestamp":"2026-12-04T11:59:00Z","temperature":"1","conductivity":1)"),
     400, "temperature"},
    {one(R"("timestamp":"2026-12-04T11:59:00Z","temperature":true,"conductivity":1)"),
     400, "temperature"},
    {one(R"("timestamp":"2026-12-04T11:59:00Z","temperature":150.01,"conductivity":1)"),
     422, "temperature"},
    {one(R"("timestamp":"2026-12-04T11:59:00Z","temperature":1,"conductivity":-1)"),
     422, "conductivity"},
    {one(R"("timestamp":"2026-12-04T11:59:00Z","temperature":1)"), 400,
     "conductivity"},
  };
  for (const auto& r : rows) {
    INFO(r.body);
    auto p = problem_of(decode_measurements(r.body, cfg, now));
    CHECK(http_status(p.code) == r.status);
    CHECK(p.field == r.field);
  }
}

TEST_CASE("range ends are included and a skew of exactly the limit passes") {
  config cfg;
  auto at = [&](const char* ts, double t, double c) {
    return one(std::string{"\"timestamp\":\""} + ts + "\",\"temperature\":"
               + std::to_string(t) + ",\"conductivity\":" + std::to_string(c));
  };
  CHECK(std::holds_alternative<ingest_request>(
    decode_measurements(at("2026-12-04T12:05:00Z", -50, 0), cfg, now)));
  CHECK(std::holds_alternative<ingest_request>(
    decode_measurements(at("1969-07-20T20:17:40Z", 150, 1e6), cfg, now)));
}

TEST_CASE("bodies that are not JSON or not objects are 400") {
  config cfg;
  CHECK(problem_of(decode_measurements("{", cfg, now)).code
        == errc::invalid_json);
  CHECK(problem_of(decode_measurements("", cfg, now)).code
        == errc::invalid_json);
  CHECK(problem_of(decode_measurements("42", cfg, now)).code
        == errc::invalid_json);
  CHECK(problem_of(decode_measurements("{} x", cfg, now)).code
        == errc::invalid_json);
  CHECK(problem_of(decode_measurements(std::string(5000, '[')
                                         + std::string(5000, ']'),
                                       cfg, now))
          .code
        == errc::invalid_json);
  CHECK(problem_of(decode_measurements("{\"sensor_id\":\"s\xff\"}", cfg,
                                       now))
          .code
        == errc::invalid_json);
  CHECK(problem_of(decode_measurements("[]", cfg, now)).code
        == errc::empty_batch);
}

TEST_CASE("a number out of double range names its field, as 400") {
  config cfg;
  auto p = problem_of(decode_measurements(
    one(R"("timestamp":"2026-12-04T11:59:00Z","temperature":1e400,"conductivity":1)"),
    cfg, now));
  CHECK(p.code == errc::invalid_field);
  CHECK(p.field == "temperature");
  auto body = "[" + one(ok_fields) + ","
              + one(R"("timestamp":"2026-12-04T11:59:00Z","temperature":1,"conductivity":-1e999)")
              + "]";
  p = problem_of(decode_measurements(body, cfg, now));
  CHECK(p.field == "conductivity");
  CHECK(p.index == 1u);
}

TEST_CASE("a field given twice takes its last value") {
  config cfg;
  auto req = value_of(decode_measurements(
    one(ok_fields + R"(,"temperature":22.5,"extra":{"deep":[1,2,{"x":null}]})"),
    cfg, now));
  CHECK(req.points[0].temperature_c == 22.5);
}

TEST_CASE("a batch reports the index of its first bad element") {
  config cfg;
  auto body = "[" + one(ok_fields) + "," + one(ok_fields) + ","
              + one(R"("timestamp":"x","temperature":1,"conductivity":1)")
              + "]";
  auto p = problem_of(decode_measurements(body, cfg, now));
  CHECK(p.index == 2u);
  CHECK(p.field == "timestamp");
}

TEST_CASE("a batch longer than max_batch is 413") {
  config cfg;
  cfg.ingest.max_batch = 2;
  auto body = "[" + one(ok_fields) + "," + one(ok_fields) + ","
              + one(ok_fields) + "]";
  auto p = problem_of(decode_measurements(body, cfg, now));
  CHECK(http_status(p.code) == 413);
}

TEST_CASE("an allow-list of sensors rejects others with 422") {
  config cfg;
  cfg.ingest.sensors = {"s2"};
  auto p = problem_of(decode_measurements(one(ok_fields), cfg, now));
  CHECK(http_status(p.code) == 422);
  CHECK(p.field == "sensor_id");
}

TEST_CASE("query strings decode escapes and keep plus signs") {
  auto kv = value_of(parse_query_string(
    "from=2026-12-04T17:40:12%2B02:00&to=2026-12-04T17:41:00+02:00&x="));
  CHECK(kv.at("from") == "2026-12-04T17:40:12+02:00");
  CHECK(kv.at("to") == "2026-12-04T17:41:00+02:00");
  CHECK(kv.at("x").empty());
  CHECK(problem_of(parse_query_string("a=%zz")).code == errc::invalid_query);
  CHECK(problem_of(parse_query_string("a=%2")).code == errc::invalid_query);
  CHECK(problem_of(parse_query_string("a=1&a=2")).code
        == errc::invalid_query);
}

TEST_CASE("raw queries default to the last hour, ascending, 1000 points") {
  auto r = value_of(decode_raw_query("s1", {}, now));
  CHECK(r.to == now);
  CHECK(r.from == now - usec_per_hour);
  CHECK_FALSE(r.descending);
  CHECK(r.limit == 1000);
  auto rel = value_of(decode_raw_query(
    "s1", {{"from", "-90s"}, {"to", "now"}, {"order", "desc"}}, now));
  CHECK(rel.from == now - 90 * usec_per_sec);
  CHECK(rel.descending);
}

TEST_CASE("raw query parameters are checked") {
  using kv = std::map<std::string, std::string>;
  CHECK(problem_of(decode_raw_query("s", kv{{"limit", "0"}}, now)).field
        == "limit");
  CHECK(problem_of(decode_raw_query("s", kv{{"limit", "10001"}}, now)).field
        == "limit");
  CHECK(problem_of(decode_raw_query("s", kv{{"order", "up"}}, now)).field
        == "order");
  CHECK(problem_of(decode_raw_query("s", kv{{"from", "now"}}, now)).code
        == errc::invalid_query);
  CHECK(problem_of(decode_raw_query("s", kv{{"cursor", "zz"}}, now)).field
        == "cursor");
  CHECK(problem_of(decode_raw_query("s", kv{{"bogus", "1"}}, now)).field
        == "bogus");
}

TEST_CASE("a cursor freezes the range and order of the walk") {
  raw_request first = value_of(decode_raw_query(
    "s1", {{"from", "-2h"}, {"order", "desc"}}, now));
  auto cursor = encode_cursor(first, now - usec_per_min);
  auto later = value_of(
    decode_raw_query("s1", {{"cursor", cursor}}, now + usec_per_hour));
  CHECK(later.from == first.from);
  CHECK(later.to == first.to);
  CHECK(later.descending);
  CHECK(later.after == now - usec_per_min);
}

TEST_CASE("stats queries read resolution, fill and max_points") {
  config cfg;
  using kv = std::map<std::string, std::string>;
  auto a = value_of(decode_stats_query("s", kv{}, cfg, now));
  CHECK(a.how == stats_request::mode::automatic);
  CHECK(a.max_points == 1000);
  auto w = value_of(decode_stats_query(
    "s", kv{{"resolution", "15m"}, {"fill", "null"}}, cfg, now));
  CHECK(w.how == stats_request::mode::width);
  CHECK(w.width == 15 * usec_per_min);
  CHECK(w.fill);
  auto r = value_of(decode_stats_query("s", kv{{"resolution", "raw"}}, cfg,
                                       now));
  CHECK(r.how == stats_request::mode::raw);
  CHECK(problem_of(decode_stats_query("s", kv{{"resolution", "2m"}}, cfg, now))
          .field
        == "resolution");
  CHECK(problem_of(decode_stats_query("s", kv{{"max_points", "0"}}, cfg, now))
          .field
        == "max_points");
}

TEST_CASE("FC-08: a mistyped year in a range is 400") {
  config cfg;
  auto p = problem_of(decode_stats_query(
    "s", {{"from", "-3h"}, {"to", "20242024-04-19T16:00:00Z"}}, cfg, now));
  CHECK(http_status(p.code) == 400);
  CHECK(p.field == "to");
}

}

TEST_SUITE("http_parse") {

TEST_CASE("range messages show the value exactly as sent") {
  config cfg;
  auto p = problem_of(decode_measurements(
    one(R"("timestamp":"2026-12-04T11:59:00Z","temperature":150.0000001,"conductivity":1)"),
    cfg, now));
  CHECK(p.message.find("150.0000001") != std::string::npos);
  CHECK(p.message.find("[-50, 150]") != std::string::npos);
}

TEST_CASE("negative zero is stored as zero") {
  config cfg;
  auto req = value_of(decode_measurements(
    one(R"("timestamp":"2026-12-04T11:59:00Z","temperature":-0.0,"conductivity":-0)"),
    cfg, now));
  CHECK_FALSE(std::signbit(req.points[0].temperature_c));
  CHECK_FALSE(std::signbit(req.points[0].conductivity_us_cm));
}

TEST_CASE("a relative time before year 1 says so") {
  auto p = problem_of(decode_raw_query("s", {{"from", "-3652059d"}}, now));
  CHECK(p.message.find("0001") != std::string::npos);
}

}
