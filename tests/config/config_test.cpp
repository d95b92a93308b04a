// SPDX-License-Identifier: MIT
#include <doctest/doctest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <set>

#include "config/config.hpp"

using namespace aquad;

namespace {

bool has_issue(const config_load& l, const std::string& key, int line) {
  for (const auto& i : l.issues)
    if (i.key == key && (line == 0 || i.line == line))
      return true;
  return false;
}

} // namespace

TEST_SUITE("config") {

TEST_CASE("an empty file gives every default of the contract") {
  auto l = load_config_text("");
  REQUIRE(l.issues.empty());
  const auto& c = l.cfg;
  CHECK(c.listen.address == "127.0.0.1");
  CHECK(c.listen.port == 5000);
  CHECK(c.storage.backend == "lmdb");
  CHECK(c.storage.path == "./var/aquad");
  CHECK(c.storage.sync == sync_mode::full);
  CHECK(c.rollup.minute_tier == usec_per_hour);
  CHECK(c.rollup.interval == 60 * usec_per_sec);
  CHECK(c.ingest.max_clock_skew == 5 * usec_per_min);
  CHECK(c.ingest.max_body == 8'388'608);
  CHECK(c.ingest.max_batch == 50'000);
  CHECK(c.ingest.sensors.empty());
  CHECK(c.ingest.temperature_min == -50);
  CHECK(c.ingest.temperature_max == 150);
  CHECK(c.ingest.conductivity_min == 0);
  CHECK(c.ingest.conductivity_max == 1'000'000);
  CHECK(c.query.max_points == 1000);
  CHECK(c.query.max_buckets == 100'000);
}

TEST_CASE("every key of the contract is read") {
  auto l = load_config_text(R"(
listen:  {address: 0.0.0.0, port: 8080}
storage: {backend: memory, path: /tmp/x, sync: none}
rollup:  {minute_tier: 2h, interval: 5s}
ingest:  {max_clock_skew: 90s, max_body: 64KiB, max_batch: 10,
          sensors: [a, b], temperature_range: [-10, 40.5],
          conductivity_range: [0, 2000000]}
query:   {max_points: 50, max_buckets: 500}
log:     {level: debug}
)");
  REQUIRE(l.issues.empty());
  const auto& c = l.cfg;
  CHECK(c.listen.address == "0.0.0.0");
  CHECK(c.listen.port == 8080);
  CHECK(c.storage.backend == "memory");
  CHECK(c.storage.sync == sync_mode::none);
  CHECK(c.rollup.minute_tier == 2 * usec_per_hour);
  CHECK(c.rollup.interval == 5 * usec_per_sec);
  CHECK(c.ingest.max_clock_skew == 90 * usec_per_sec);
  CHECK(c.ingest.max_body == 65'536);
  CHECK(c.ingest.max_batch == 10);
  CHECK(c.ingest.sensors == std::vector<std::string>{"a", "b"});
  CHECK(c.ingest.temperature_max == 40.5);
  CHECK(c.ingest.conductivity_max == 2'000'000);
  CHECK(c.query.max_points == 50);
  CHECK(c.query.max_buckets == 500);
  CHECK(c.log.level == log_level::debug);
}

TEST_CASE("impossible values are reported with their line and key") {
  auto l = load_config_text("listen:\n  port: 70000\nrollup:\n"
                            "  minute_tier: 3m\n  interval: soon\n");
  CHECK(l.issues.size() == 3);
  CHECK(has_issue(l, "listen.port", 2));
  CHECK(has_issue(l, "rollup.minute_tier", 4));
  CHECK(has_issue(l, "rollup.interval", 5));
}

TEST_CASE("unknown keys and sections stop the start") {
  auto l = load_config_text("listen:\n  prot: 1\nstorrage: {}\n");
  CHECK(has_issue(l, "listen.prot", 2));
  CHECK(has_issue(l, "storrage", 3));
}

TEST_CASE("wrong types are reported, not thrown") {
  auto l = load_config_text("ingest:\n  temperature_range: 5\n"
                            "  sensors: {a: 1}\nquery: [1, 2]\n");
  CHECK(has_issue(l, "ingest.temperature_range", 2));
  CHECK(has_issue(l, "ingest.sensors", 3));
  CHECK(has_issue(l, "query", 4));
  auto broken = load_config_text("listen: {port: [\n");
  REQUIRE(broken.issues.size() == 1);
  CHECK(broken.issues[0].reason.find("invalid YAML") != std::string::npos);
}

TEST_CASE("a quoted number is a string, the wrong type for a number key") {
  auto l = load_config_text("listen: {port: \"5600\"}\n"
                            "ingest: {temperature_range: [\"1\", 2]}\n"
                            "rollup: {interval: \"5s\"}\n");
  CHECK(has_issue(l, "listen.port", 1));
  CHECK(has_issue(l, "ingest.temperature_range", 2));
  CHECK(l.issues.size() == 2);
}

TEST_CASE("a key or section given twice is a problem, not a silent pick") {
  auto l = load_config_text("listen: {port: 70000}\nlisten: {port: 5601}\n"
                            "query:\n  max_points: 5\n  max_points: 6\n");
  CHECK(has_issue(l, "listen", 2));
  CHECK(has_issue(l, "query.max_points", 5));
}

TEST_CASE("issues print as FILE:LINE: key: reason") {
  CHECK(format_issue("a.yaml", {3, "listen.port", "bad"})
        == "a.yaml:3: listen.port: bad");
  CHECK(format_issue("a.yaml", {0, "", "cannot read the file"})
        == "a.yaml: cannot read the file");
}

TEST_CASE("sizes take a count and an optional binary suffix") {
  std::uint64_t v = 0;
  CHECK((parse_size("8MiB", v) && v == 8'388'608));
  CHECK((parse_size("1024", v) && v == 1024));
  CHECK((parse_size("2GiB", v) && v == 2'147'483'648ULL));
  CHECK_FALSE(parse_size("8MB", v));
  CHECK_FALSE(parse_size("MiB", v));
  CHECK_FALSE(parse_size("-1", v));
}

TEST_CASE("sensor ids allow 1-64 characters of a safe set") {
  CHECK(valid_sensor_id("sensor_001"));
  CHECK(valid_sensor_id("a.b:c-d_E9"));
  CHECK(valid_sensor_id(std::string(64, 'x')));
  CHECK_FALSE(valid_sensor_id(""));
  CHECK_FALSE(valid_sensor_id(std::string(65, 'x')));
  CHECK_FALSE(valid_sensor_id("has space"));
  CHECK_FALSE(valid_sensor_id("slash/no"));
  CHECK_FALSE(valid_sensor_id("caf\xc3\xa9"));
}

}

TEST_SUITE("config") {

TEST_CASE("issues carry the column and say what is allowed") {
  auto l = load_config_text("listen:\n  prot: 1\nstorrage: {}\n");
  REQUIRE(l.issues.size() == 2);
  CHECK(l.issues[0].column == 3);
  auto text = format_issue("f.yaml", l.issues[0]);
  CHECK(text == "f.yaml:2: listen.prot: unknown key; listen takes address, "
                "port, tls_cert, tls_key (column 3)");
  CHECK(l.issues[1].reason.find("sections are listen, storage")
        != std::string::npos);
}

TEST_CASE("the printed configuration reads back to the same one") {
  auto custom = load_config_text(R"(
listen: {address: "::1", port: 8080}
storage: {backend: memory, path: "/tmp/with space", sync: none, map_size: 3MiB}
rollup: {minute_tier: 2h, interval: 90s}
ingest: {max_clock_skew: 0s, max_body: 1500, sensors: [a, b.c],
         temperature_range: [-10.5, 40], conductivity_range: [0, 1e6]}
query: {max_points: 7, max_buckets: 70}
log: {level: debug, format: json, access: true}
)");
  REQUIRE(custom.issues.empty());
  for (const auto& cfg : {config{}, custom.cfg}) {
    auto text = render_config(cfg);
    auto back = load_config_text(text);
    INFO(text);
    REQUIRE(back.issues.empty());
    CHECK(render_config(back.cfg) == text);
  }
  CHECK(custom.cfg.log.json);
  CHECK(custom.cfg.log.access);
  // Every key is printed.
  auto text = render_config(config{});
  for (const auto& key : config_keys())
    CHECK(text.find(key.substr(key.find('.') + 1) + ":") != std::string::npos);
}

TEST_CASE("docs/configuration.md documents exactly the keys of the code") {
  std::ifstream in{std::string{AQUAD_SOURCE_DIR} + "/docs/configuration.md"};
  REQUIRE(in);
  std::set<std::string> documented;
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("| `", 0) == 0)
      documented.insert(line.substr(3, line.find('`', 3) - 3));
  auto keys = config_keys();
  CHECK(documented == std::set<std::string>(keys.begin(), keys.end()));
}

}

TEST_SUITE("config") {

TEST_CASE("tokens come inline or from a file, with a scope each") {
  auto path = std::string{std::getenv("TMPDIR") ? std::getenv("TMPDIR")
                                                : "/tmp"}
              + "/aquad-token-test";
  {
    std::ofstream out{path};
    out << "file-token-0123456789\n";
  }
  auto l = load_config_text("auth:\n  tokens:\n"
                            "    - {token: inline-token-0123456789, scope: both}\n"
                            "    - {token_file: " + path + ", scope: read}\n"
                            "  metrics: token\n");
  REQUIRE(l.issues.empty());
  REQUIRE(l.cfg.auth.tokens.size() == 2);
  CHECK(l.cfg.auth.tokens[0].read);
  CHECK(l.cfg.auth.tokens[0].write);
  CHECK(l.cfg.auth.tokens[1].secret == "file-token-0123456789");
  CHECK_FALSE(l.cfg.auth.tokens[1].write);
  CHECK_FALSE(l.cfg.auth.metrics_open);
  // Secrets never appear in the printed configuration.
  auto printed = render_config(l.cfg);
  CHECK(printed.find("inline-token") == std::string::npos);
  CHECK(printed.find("file-token") == std::string::npos);
  std::remove(path.c_str());

  for (const char* bad : {"auth: {tokens: [{token: short, scope: read}]}",
                          "auth: {tokens: [{token: inline-token-0123456789}]}",
                          "auth: {tokens: [{token: inline-token-0123456789, "
                          "token_file: /x, scope: read}]}",
                          "auth: {tokens: [{token_file: /nonexistent/t, "
                          "scope: read}]}"}) {
    INFO(bad);
    CHECK(has_issue(load_config_text(bad), "auth.tokens", 1));
  }
}

}

TEST_SUITE("config") {

TEST_CASE("issue 6: every bad token is its own problem") {
  auto l = load_config_text(
    "auth:\n  tokens:\n"
    "    - {token: short, scope: read}\n"
    "    - {token: ok-token-0123456789, scope: admin}\n"
    "    - {scope: read}\n"
    "    - {token: \"                    \", scope: read}\n"
    "    - {token: ok-token-0123456789, token: b, scope: read}\n"
    "    - {token: same-token-0123456789, scope: read}\n"
    "    - {token: same-token-0123456789, scope: write}\n");
  int lines[] = {3, 4, 5, 6, 7, 9};
  REQUIRE(l.issues.size() == 6);
  for (std::size_t i = 0; i < 6; ++i) {
    INFO(l.issues[i].reason);
    CHECK(l.issues[i].key == "auth.tokens");
    CHECK(l.issues[i].line == lines[i]);
  }
  CHECK(l.issues[5].reason.find("listed twice") != std::string::npos);
}

TEST_CASE("issue 6: TLS files are checked for PEM content and go together") {
  auto dir = std::string{std::getenv("TMPDIR") ? std::getenv("TMPDIR")
                                               : "/tmp"};
  auto cert = dir + "/aquad-test-cert.pem", key = dir + "/aquad-test-key.pem";
  std::ofstream{cert} << "-----BEGIN CERTIFICATE-----\nx\n"
                         "-----END CERTIFICATE-----\n";
  std::ofstream{key} << "-----BEGIN PRIVATE KEY-----\nx\n"
                        "-----END PRIVATE KEY-----\n";
  auto ok = load_config_text("listen: {tls_cert: " + cert + ", tls_key: "
                             + key + "}\n");
  CHECK(ok.issues.empty());
  auto swapped = load_config_text("listen: {tls_cert: " + key
                                  + ", tls_key: " + cert + "}\n");
  CHECK(swapped.issues.size() == 2);
  auto alone = load_config_text("listen:\n  port: 1\n  tls_key: " + key
                                + "\n");
  REQUIRE(alone.issues.size() == 1);
  CHECK(alone.issues[0].key == "listen.tls_key");
  CHECK(alone.issues[0].line == 3);
  std::remove(cert.c_str());
  std::remove(key.c_str());
}

TEST_CASE("issue 6: a directory is not a configuration file") {
  auto l = load_config_file("/");
  REQUIRE(l.issues.size() == 1);
  CHECK(l.issues[0].reason == "is not a regular file");
}

}

TEST_SUITE("config") {

TEST_CASE("config/aquad.yaml holds exactly the defaults") {
  auto l = load_config_file(std::string{AQUAD_SOURCE_DIR}
                            + "/config/aquad.yaml");
  REQUIRE(l.issues.empty());
  CHECK(render_config(l.cfg) == render_config(config{}));
}

}
