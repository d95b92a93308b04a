// SPDX-License-Identifier: MIT
#include <doctest/doctest.h>

#include "common/time.hpp"

using namespace aquad;

namespace {

micros parse_ok(const char* text) {
  std::string why;
  auto t = parse_timestamp(text, &why);
  INFO(text << ": " << why);
  REQUIRE(t.has_value());
  return *t;
}

bool rejects(const char* text) {
  return !parse_timestamp(text).has_value();
}

} // namespace

TEST_SUITE("time") {

TEST_CASE("the epoch and well-known instants parse to their microseconds") {
  CHECK(parse_ok("1970-01-01T00:00:00Z") == 0);
  CHECK(parse_ok("1970-01-01T00:00:01Z") == usec_per_sec);
  // 2026-12-04T15:40:12Z is 1796398812 s after the epoch.
  CHECK(parse_ok("2026-12-04T15:40:12Z") == 1'796'398'812LL * usec_per_sec);
  CHECK(parse_ok("2000-02-29T00:00:00Z") == 951'782'400LL * usec_per_sec);
  CHECK(parse_ok("1969-12-31T23:59:59Z") == -usec_per_sec);
  CHECK(parse_ok("0001-01-01T00:00:00Z") == min_instant);
  CHECK(parse_ok("9999-12-31T23:59:59.999999Z") == max_instant - 1);
  CHECK(parse_ok("2038-01-19T03:14:08Z") == 2'147'483'648LL * usec_per_sec);
}

TEST_CASE("fractions of 1 to 9 digits are read and truncated to micros") {
  auto base = parse_ok("2026-12-04T15:40:12Z");
  CHECK(parse_ok("2026-12-04T15:40:12.5Z") == base + 500'000);
  CHECK(parse_ok("2026-12-04T15:40:12.12Z") == base + 120'000);
  CHECK(parse_ok("2026-12-04T15:40:12.123456Z") == base + 123'456);
  CHECK(parse_ok("2026-12-04T15:40:12.1234567Z") == base + 123'456);
  CHECK(parse_ok("2026-12-04T15:40:12.999999999Z") == base + 999'999);
  CHECK(rejects("2026-12-04T15:40:12.1234567891Z"));
  CHECK(rejects("2026-12-04T15:40:12.Z"));
}

TEST_CASE("offsets convert to UTC and name the same instant") {
  auto utc = parse_ok("2026-12-04T15:40:12.5Z");
  CHECK(parse_ok("2026-12-04T17:40:12.5+02:00") == utc);
  CHECK(parse_ok("2026-12-04T10:10:12.5-05:30") == utc);
  CHECK(parse_ok("2026-12-05T05:40:12.5+14:00") == utc);
  CHECK(parse_ok("2026-12-04T15:40:12.5-00:00") == utc);
  CHECK(parse_ok("2026-12-04t15:40:12.5z") == utc);
}

TEST_CASE("malformed or ambiguous timestamps are rejected") {
  CHECK(rejects("2026-12-04 15:40:12Z"));     // space for T
  CHECK(rejects("2026-12-04T15:40:12+0100")); // offset without colon
  CHECK(rejects("2026-12-04T15:40:12"));      // no offset: local time
  CHECK(rejects("1796392800"));
  CHECK(rejects("20242024-04-19T16:00:00Z"));
  CHECK(rejects("2026-02-29T00:00:00Z")); // not a leap year
  CHECK(rejects("2026-13-01T00:00:00Z"));
  CHECK(rejects("2026-12-04T24:00:00Z"));
  CHECK(rejects("2026-12-04T15:40:12+24:00"));
  CHECK(rejects("0000-01-01T00:00:00Z"));
  CHECK(rejects("0001-01-01T00:30:00+01:00")); // before year 1 in UTC
  CHECK(rejects("2026-12-04T15:40:12Zjunk"));
  CHECK(rejects(""));
}

TEST_CASE("a leap second is rejected with a reason that says so") {
  std::string why;
  CHECK_FALSE(parse_timestamp("2016-12-31T23:59:60Z", &why));
  CHECK(why.find("leap") != std::string::npos);
}

TEST_CASE("formatting writes UTC with six fractional digits") {
  CHECK(format_timestamp(0) == "1970-01-01T00:00:00.000000Z");
  CHECK(format_timestamp(-1) == "1969-12-31T23:59:59.999999Z");
  CHECK(format_timestamp(min_instant) == "0001-01-01T00:00:00.000000Z");
  CHECK(format_timestamp(max_instant - 1) == "9999-12-31T23:59:59.999999Z");
  CHECK(format_timestamp(parse_ok("2024-02-29T12:34:56.789Z"))
        == "2024-02-29T12:34:56.789000Z");
}

TEST_CASE("format and parse round-trip across the representable span") {
  // Steps of a prime number of seconds visit many dates, leap days and
  // century years included.
  for (micros t = min_instant; t < max_instant;
       t += 7'919LL * 86'399 * usec_per_sec + 123'457) {
    auto text = format_timestamp(t);
    INFO(text);
    CHECK(parse_ok(text.c_str()) == t);
  }
}

TEST_CASE("floor and ceil align to the epoch grid, also before 1970") {
  auto m = usec_per_min;
  CHECK(floor_to(0, m) == 0);
  CHECK(floor_to(59 * usec_per_sec, m) == 0);
  CHECK(floor_to(-1, m) == -m);
  CHECK(floor_to(-m, m) == -m);
  CHECK(ceil_to(1, m) == m);
  CHECK(ceil_to(-1, m) == 0);
  CHECK(ceil_to(m, m) == m);
}

TEST_CASE("durations read a count and one unit") {
  CHECK(parse_duration("90s") == 90 * usec_per_sec);
  CHECK(parse_duration("15m") == 15 * usec_per_min);
  CHECK(parse_duration("2h") == 2 * usec_per_hour);
  CHECK(parse_duration("7d") == 7 * usec_per_day);
  CHECK_FALSE(parse_duration("7"));
  CHECK_FALSE(parse_duration("m"));
  CHECK_FALSE(parse_duration("1.5h"));
  CHECK_FALSE(parse_duration("-5m"));
  CHECK_FALSE(parse_duration("99999999999999999d"));
  CHECK(format_duration(5 * usec_per_min) == "5m");
  CHECK(format_duration(90 * usec_per_sec) == "90s");
  CHECK(format_duration(usec_per_day) == "1d");
}

}
