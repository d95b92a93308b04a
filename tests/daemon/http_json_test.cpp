// SPDX-License-Identifier: MIT
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "daemon/http_json.hpp"

using namespace aquad;

TEST_SUITE("http_json") {

TEST_CASE("numbers are written in their shortest round-trip form") {
  auto num = [](double v) {
    std::string s;
    append_json_number(s, v);
    return s;
  };
  CHECK(num(21.3) == "21.3");
  CHECK(num(1500) == "1500");
  CHECK(num(0.1 + 0.2) == "0.30000000000000004");
  CHECK(std::stod(num(1000000.2)) == 1000000.2);
}

TEST_CASE("strings are escaped and always valid UTF-8") {
  std::string s;
  append_json_string(s, "a\"b\\c\n\x01 caf\xc3\xa9 bad\xff");
  auto parsed = nlohmann::json::parse(s);
  CHECK(parsed.get<std::string>() == "a\"b\\c\n\x01 caf\xc3\xa9 bad\xef\xbf\xbd");
}

TEST_CASE("an error body carries code, message, field and index") {
  auto body = error_body({errc::invalid_field, "bad", "timestamp", 3});
  auto j = nlohmann::json::parse(body);
  CHECK(j["error"]["code"] == "invalid_field");
  CHECK(j["error"]["message"] == "bad");
  CHECK(j["error"]["field"] == "timestamp");
  CHECK(j["error"]["index"] == 3);
}

TEST_CASE("empty statistics print nulls, never zeros") {
  stats_result r;
  r.sensor_id = "s";
  r.resolution = "5m";
  r.buckets.push_back({0, 5 * usec_per_min, {}});
  auto j = nlohmann::json::parse(stats_body(r));
  CHECK(j["summary"]["count"] == 0);
  CHECK(j["summary"]["temperature"]["mean"].is_null());
  CHECK(j["buckets"][0]["conductivity"]["stddev"].is_null());
  CHECK(j["buckets"][0]["start"] == "1970-01-01T00:00:00.000000Z");
}

}
