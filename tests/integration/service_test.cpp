// SPDX-License-Identifier: MIT
// The HTTP contract through the router and the actors, without a socket.
#include <doctest/doctest.h>

#include <algorithm>
#include <set>
#include <thread>

#include "support/oracle.hpp"
#include "support/service_harness.hpp"

using namespace aquad;
using test::reading;
using test::service_harness;

namespace {

constexpr micros sec = usec_per_sec;

} // namespace

TEST_SUITE("service") {

TEST_CASE("routes answer 404 and wrong methods 405 with Allow, as JSON") {
  service_harness h;
  auto r = h.get("/nope");
  CHECK(r.status == 404);
  CHECK(r.json["error"]["code"] == "not_found");
  r = h.request("GET", "/measurements");
  CHECK(r.status == 405);
  REQUIRE(r.headers.size() == 1);
  CHECK(r.headers[0].second == "POST");
  CHECK(h.request("DELETE", "/sensors/s1").status == 405);
  CHECK(h.get("/sensors/never/stats").status == 404);
  CHECK(h.get("/sensors/never/measurements").status == 404);
  CHECK(h.get("/sensors/never").status == 404);
}

TEST_CASE("the body must be JSON, within max_body, and a non-empty batch") {
  config cfg;
  cfg.ingest.max_body = 2048;
  service_harness h{cfg};
  auto body = reading("s1", h.now.load(), 20).dump();
  CHECK(h.request("POST", "/measurements", body, "text/plain").status == 415);
  CHECK(h.request("POST", "/measurements", body, "").status == 415);
  CHECK(h.request("POST", "/measurements", body,
                  "Application/JSON; charset=utf-8")
          .status
        == 201);
  CHECK(h.request("POST", "/measurements", std::string(3000, ' ')).status
        == 413);
  auto empty = h.request("POST", "/measurements", "[]");
  CHECK(empty.status == 400);
  CHECK(h.request("POST", "/measurements", "{\"sensor_id\":").status == 400);
}

TEST_CASE("a stored measurement comes back normalised to UTC micros") {
  service_harness h;
  auto r = h.request(
    "POST", "/measurements",
    R"({"sensor_id":"s1","timestamp":"2026-12-04T13:59:12.5+02:00",)"
    R"("temperature":21.3,"conductivity":1500,"extra":"ignored"})");
  REQUIRE(r.status == 201);
  CHECK(r.json["timestamp"] == "2026-12-04T11:59:12.500000Z");
  CHECK(r.json["temperature"] == 21.3);
  CHECK(r.json["duplicate"] == false);
  // The same instant written in another offset is the same identity.
  r = h.request("POST", "/measurements",
                R"({"sensor_id":"s1","timestamp":"2026-12-04T11:59:12.5Z",)"
                R"("temperature":21.3,"conductivity":1500})");
  CHECK(r.status == 201);
  CHECK(r.json["duplicate"] == true);
  // A duplicate echoes what is stored, here 21.3 and 1500 sent as 2.13e1.
  r = h.request("POST", "/measurements",
                R"({"sensor_id":"s1","timestamp":"2026-12-04T11:59:12.5Z",)"
                R"("temperature":2.13e1,"conductivity":1.5e3})");
  CHECK(r.json["temperature"] == 21.3);
  CHECK(r.text.find("\"conductivity\":1500,") != std::string::npos);
  auto s = h.get("/sensors/s1");
  REQUIRE(s.status == 200);
  CHECK(s.json["count"] == 1);
  CHECK(s.json["latest"]["temperature"] == 21.3);
  auto all = h.get("/sensors");
  CHECK(all.json["sensors"].size() == 1);
}

TEST_CASE("paging walks every point once while new ones arrive") {
  service_harness h;
  auto start = h.now.load() - 50 * 60 * sec;
  std::vector<micros> posted;
  auto batch = nlohmann::json::array();
  for (int i = 0; i < 2500; ++i) {
    posted.push_back(start + i * sec);
    batch.push_back(reading("s1", posted.back(), i % 30));
  }
  REQUIRE(h.post(batch).status == 201);

  for (const char* order : {"asc", "desc"}) {
    INFO(order);
    std::vector<micros> seen;
    std::string target = "/sensors/s1/measurements?limit=1000&order="
                         + std::string{order} + "&from=-1h";
    int pages = 0;
    while (true) {
      auto r = h.get(target);
      REQUIRE(r.status == 200);
      ++pages;
      for (const auto& m : r.json["measurements"])
        seen.push_back(*parse_timestamp(m["timestamp"].get<std::string>()));
      // Meanwhile, a late point lands inside the walked range.
      h.post(reading("s1", start + pages * sec + sec / 2, 1));
      if (r.json["next"].is_null())
        break;
      target = "/sensors/s1/measurements?cursor="
               + r.json["next"].get<std::string>();
      REQUIRE(pages < 10);
    }
    CHECK(pages == 3);
    std::set<micros> unique(seen.begin(), seen.end());
    CHECK(unique.size() == seen.size());
    for (auto t : posted)
      CHECK(unique.count(t) == 1);
    CHECK(std::is_sorted(seen.begin(), seen.end(),
                         [&](micros a, micros b) {
                           return std::string{order} == "asc" ? a < b : a > b;
                         }));
  }
}

TEST_CASE("stats over the last hour match the points the test posted") {
  service_harness h;
  std::vector<raw_point> pts;
  auto batch = nlohmann::json::array();
  for (int i = 0; i < 7200; ++i) {
    micros t = h.now.load() - 60 * 60 * sec + i * sec / 2;
    double temp = 20 + (i * 37 % 100) / 10.0;
    double cond = 1000 + (i * 53 % 2000);
    pts.push_back({t, temp, cond});
    batch.push_back(reading("s1", t, temp, cond));
  }
  REQUIRE(h.post(batch).status == 201);
  auto r = h.get("/sensors/s1/stats");
  REQUIRE(r.status == 200);
  CHECK(r.json["resolution"] == "1m");
  CHECK(r.json["buckets"].size() == 61);
  auto check = [&](const nlohmann::json& got, micros from, micros to) {
    auto want = test::stats_of(pts, from, to);
    REQUIRE(got["count"] == want.count);
    CHECK(got["temperature"]["min"] == want.temperature.min);
    CHECK(got["conductivity"]["max"] == want.conductivity.max);
    CHECK(test::close(got["temperature"]["mean"], want.temperature.mean));
    CHECK(test::close(got["conductivity"]["stddev"],
                      *want.conductivity.stddev, 1e-7));
  };
  for (const auto& b : r.json["buckets"])
    check(b, *parse_timestamp(b["start"].get<std::string>()),
          *parse_timestamp(b["end"].get<std::string>()));
  check(r.json["summary"], h.now.load() - usec_per_hour, h.now.load());
}

TEST_CASE("metrics and health report the store") {
  service_harness h;
  REQUIRE(h.post(reading("s1", h.now.load() - 2 * sec, 20)).status == 201);
  h.get("/nope");
  auto health = h.get("/health");
  CHECK(health.status == 200);
  CHECK(health.json["status"] == "ok");
  auto m = h.get("/metrics");
  REQUIRE(m.status == 200);
  for (const char* want :
       {"aquad_requests_total{route=\"/measurements\",method=\"POST\","
        "status=\"201\"} 1",
        "aquad_rejects_total{route=\"unmatched\",reason=\"not_found\"} 1",
        "aquad_buckets{tier=\"1m\"} 1", "aquad_buckets{tier=\"5m\"} 0",
        "aquad_ingest_latency_seconds_count 1",
        "aquad_commit_latency_seconds_bucket{le=\"+Inf\"} 1",
        "# TYPE aquad_minute_tier_oldest_age_seconds gauge",
        "aquad_backend_size_bytes"}) {
    INFO(want);
    CHECK(m.text.find(want) != std::string::npos);
  }
}

TEST_CASE("the downsampler moves aged buckets on its own timer") {
  config cfg;
  service_harness h{cfg};
  std::atomic<micros> clock{h.now.load()};
  caf::actor_system_config sc;
  caf::actor_system sys{sc};
  auto down = spawn_downsampler(sys, h.backend, h.stats, usec_per_hour,
                                usec_per_sec / 100,
                                [&clock] { return clock.load(); });
  REQUIRE(h.post(reading("s1", h.now.load() - 10 * 60 * sec, 20)).status
          == 201);
  auto count = [&](tier t) {
    auto v = h.backend->begin_read();
    return *(*v)->bucket_count(t);
  };
  CHECK(count(tier::minute) == 1);
  clock = clock.load() + usec_per_hour;
  for (int i = 0; i < 500 && count(tier::five_minute) == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  CHECK(count(tier::five_minute) == 1);
  CHECK(count(tier::minute) == 0);
  caf::anon_send_exit(down, caf::exit_reason::user_shutdown);
}

}

TEST_SUITE("service") {

TEST_CASE("points before 1970 and after 2038 land in aligned buckets") {
  config cfg;
  cfg.ingest.max_clock_skew = 100'000 * usec_per_day;
  service_harness h{cfg};
  for (const char* ts : {"1969-12-31T23:58:30Z", "1969-12-31T23:59:59.5Z",
                         "1969-12-31T23:59:59.999999Z",
                         "2038-01-19T03:14:08Z", "2099-06-01T00:00:00+14:00"}) {
    auto r = h.request("POST", "/measurements",
                       std::string{R"({"sensor_id":"s1","timestamp":")"} + ts
                         + R"(","temperature":20,"conductivity":1000})");
    INFO(ts << " " << r.text);
    CHECK(r.status == 201);
  }
  auto r = h.get("/sensors/s1/stats?from=1969-12-31T23:50:00Z"
                 "&to=1970-01-01T00:10:00Z&resolution=5m");
  REQUIRE(r.status == 200);
  REQUIRE(r.json["buckets"].size() == 1);
  CHECK(r.json["buckets"][0]["start"] == "1969-12-31T23:55:00.000000Z");
  CHECK(r.json["buckets"][0]["count"] == 3);
  r = h.get("/sensors/s1/measurements?from=2038-01-01T00:00:00Z"
            "&to=2100-01-01T00:00:00Z");
  REQUIRE(r.json["measurements"].size() == 2);
  CHECK(r.json["measurements"][1]["timestamp"]
        == "2099-05-31T10:00:00.000000Z");
}

TEST_CASE("a point exactly on a bucket edge belongs to the later bucket") {
  service_harness h;
  auto edge = floor_to(h.now.load() - 10 * usec_per_min, usec_per_min);
  REQUIRE(h.post(reading("s1", edge, 10)).status == 201);
  REQUIRE(h.post(reading("s1", edge - 1, 20)).status == 201);
  auto before = h.get("/sensors/s1/stats?resolution=1m&from="
                      + format_timestamp(edge - usec_per_min)
                      + "&to=" + format_timestamp(edge));
  auto after = h.get("/sensors/s1/stats?resolution=1m&from="
                     + format_timestamp(edge)
                     + "&to=" + format_timestamp(edge + usec_per_min));
  CHECK(before.json["summary"]["temperature"]["max"] == 20.0);
  CHECK(before.json["summary"]["count"] == 1);
  CHECK(after.json["summary"]["temperature"]["max"] == 10.0);
  CHECK(after.json["buckets"][0]["start"] == format_timestamp(edge));
}

}

TEST_SUITE("service") {

TEST_CASE("raw and stats answer CSV for format=csv or Accept: text/csv") {
  service_harness h;
  auto t = floor_to(h.now.load() - 10 * usec_per_min, usec_per_min);
  auto batch = nlohmann::json::array();
  for (int i = 0; i < 5; ++i)
    batch.push_back(reading("s1", t + i * sec, 20 + i, 1500 + i));
  REQUIRE(h.post(batch).status == 201);
  auto range = "from=" + format_timestamp(t)
               + "&to=" + format_timestamp(t + usec_per_min);

  auto raw = h.get("/sensors/s1/measurements?format=csv&limit=3&" + range);
  REQUIRE(raw.status == 200);
  CHECK(raw.text.rfind("timestamp,temperature,conductivity\r\n", 0) == 0);
  CHECK(raw.text.find(format_timestamp(t) + ",20,1500\r\n")
        != std::string::npos);
  CHECK(std::count(raw.text.begin(), raw.text.end(), '\n') == 4);
  REQUIRE(raw.headers.size() == 1);
  CHECK(raw.headers[0].first == "Link");
  CHECK(raw.headers[0].second.find("rel=\"next\"") != std::string::npos);

  auto stats = h.request("GET", "/sensors/s1/stats?resolution=1m&" + range,
                         {}, {}, "text/csv");
  REQUIRE(stats.status == 200);
  auto lines = stats.text;
  CHECK(lines.rfind("start,end,count,temperature_min", 0) == 0);
  CHECK(lines.find(format_timestamp(t) + "," + format_timestamp(t + usec_per_min)
                   + ",5,20,24,22,")
        != std::string::npos);
  CHECK(h.get("/sensors/s1/stats?format=xml").status == 400);
}

}

TEST_SUITE("service") {

TEST_CASE("bearer tokens: 401 without one, 403 without the scope") {
  config cfg;
  cfg.auth.tokens = {{"writer-0123456789abcdef", false, true},
                     {"reader-0123456789abcdef", true, false}};
  service_harness h{cfg};
  auto body = reading("s1", h.now.load() - sec, 20).dump();
  auto as = [&](const std::string& method, const std::string& target,
                const std::string& token) {
    return h.request(method, target, method == "POST" ? body : "",
                     "application/json", {},
                     token.empty() ? "" : "Bearer " + token);
  };
  auto none = as("POST", "/measurements", "");
  CHECK(none.status == 401);
  CHECK(none.json["error"]["code"] == "unauthorized");
  REQUIRE(none.headers.size() == 1);
  CHECK(none.headers[0].first == "WWW-Authenticate");
  CHECK(as("POST", "/measurements", "writer-0123456789abcdeX").status == 401);
  CHECK(as("POST", "/measurements", "writer-0123456789abcde").status == 401);
  CHECK(as("POST", "/measurements", "reader-0123456789abcdef").status == 403);
  CHECK(as("POST", "/measurements", "writer-0123456789abcdef").status == 201);
  CHECK(as("GET", "/sensors", "writer-0123456789abcdef").status == 403);
  CHECK(as("GET", "/sensors", "reader-0123456789abcdef").status == 200);
  CHECK(h.request("GET", "/sensors", "", "", "",
                  "bearer reader-0123456789abcdef")
          .status
        == 200);
  CHECK(as("GET", "/sensors", "").status == 401);
  CHECK(as("GET", "/health", "").status == 200);
  CHECK(as("GET", "/openapi.yaml", "").status == 200);
  CHECK(as("GET", "/metrics", "").status == 200);
}

TEST_CASE("metrics can require a token") {
  config cfg;
  cfg.auth.tokens = {{"reader-0123456789abcdef", true, false}};
  cfg.auth.metrics_open = false;
  service_harness h{cfg};
  CHECK(h.get("/metrics").status == 401);
  CHECK(h.request("GET", "/metrics", "", "", "",
                  "Bearer reader-0123456789abcdef")
          .status
        == 200);
}

}

TEST_SUITE("service") {

TEST_CASE("issue 6: HEAD answers like GET without a body") {
  service_harness h;
  auto r = h.request("HEAD", "/health");
  CHECK(r.status == 200);
  CHECK(r.text.empty());
  r = h.request("HEAD", "/nope");
  CHECK(r.status == 404);
  CHECK(r.text.empty());
}

TEST_CASE("issue 6: Accept picks CSV only when preferred over JSON") {
  service_harness h;
  REQUIRE(h.post(reading("s1", h.now.load() - sec, 20)).status == 201);
  auto kind = [&](const std::string& accept) {
    auto r = h.request("GET", "/sensors/s1/stats", {}, {}, accept);
    return r.text.rfind("start,end", 0) == 0 ? "csv" : "json";
  };
  CHECK(std::string{kind("text/csv")} == "csv");
  CHECK(std::string{kind("TEXT/CSV")} == "csv");
  CHECK(std::string{kind("text/csv;q=0.1, application/json")} == "json");
  CHECK(std::string{kind("application/json;q=0.5, text/csv")} == "csv");
  CHECK(std::string{kind("text/csvx")} == "json");
  CHECK(std::string{kind("*/*")} == "json");
  CHECK(h.get("/sensors?foo=1").status == 400);
  CHECK(h.get("/sensors/s1?format=csv").status == 400);
}

TEST_CASE("issue 6: with tokens, unknown routes need a token too") {
  config cfg;
  cfg.auth.tokens = {{"reader-0123456789abcdef", true, false}};
  service_harness h{cfg};
  CHECK(h.get("/nope").status == 401);
  CHECK(h.request("DELETE", "/sensors").status == 401);
  auto as_reader = [&](const std::string& method, const std::string& path,
                       const std::string& header) {
    return h.request(method, path, "", "", "", header).status;
  };
  CHECK(as_reader("GET", "/nope", "Bearer reader-0123456789abcdef") == 404);
  CHECK(as_reader("GET", "/sensors", "Bearer  reader-0123456789abcdef ")
        == 200);
}

}
