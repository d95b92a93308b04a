// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/log.hpp"
#include "common/time.hpp"

namespace aquad {

/// Durability of a commit: `full` syncs to disk before a 201; `none`
/// leaves it to the OS (a crash may lose the last seconds of data).
enum class sync_mode { full, none };

/// The effective configuration: every key of docs/configuration.md with
/// its default. Built once at start-up, then read-only and shared.
struct config {
  struct listen_section {
    std::string address = "127.0.0.1";
    std::uint16_t port = 5000;
    std::string tls_cert; ///< PEM chain; with tls_key, serve HTTPS
    std::string tls_key;  ///< PEM private key
  } listen;

  struct storage_section {
    std::string backend = "lmdb";
    std::string path = "./var/aquad";
    sync_mode sync = sync_mode::full;
    std::uint64_t map_size = 64ULL << 30;
  } storage;

  struct rollup_section {
    micros minute_tier = usec_per_hour;
    micros interval = 60 * usec_per_sec;
  } rollup;

  struct ingest_section {
    micros max_clock_skew = 5 * usec_per_min;
    std::uint64_t max_body = 8ULL << 20;
    std::uint64_t max_batch = 50'000;
    std::vector<std::string> sensors;
    double temperature_min = -50;
    double temperature_max = 150;
    double conductivity_min = 0;
    double conductivity_max = 1'000'000;
  } ingest;

  struct query_section {
    std::uint64_t max_points = 1000;
    std::uint64_t max_buckets = 100'000;
  } query;

  /// Limits of the HTTP edge; see docs/configuration.md for why each.
  struct http_section {
    std::uint64_t max_connections = 256;
    std::uint64_t max_in_flight = 4096;
    std::uint64_t max_in_flight_bytes = 256ULL << 20;
    micros read_timeout = 30 * usec_per_sec;
    micros write_timeout = 30 * usec_per_sec;
    std::uint64_t max_url = 8ULL << 10;
    std::uint64_t max_header_bytes = 16ULL << 10;
    std::uint64_t max_headers = 100;
  } http;

  /// Bearer tokens; none means no authentication (listen on loopback).
  struct auth_section {
    struct token {
      std::string secret;
      bool read = false;
      bool write = false;
    };
    std::vector<token> tokens;
    bool metrics_open = true; ///< /metrics without a token
  } auth;

  struct log_section {
    log_level level = log_level::info;
    bool json = false;   ///< `format: json`: one JSON object per line
    bool access = false; ///< one line per request at info level
  } log;
};

/// One problem found in a configuration file. `line` is 1-based, 0 when
/// unknown; `key` is `section.key` (or `section`, or empty for the file).
struct config_issue {
  int line = 0;
  std::string key;
  std::string reason;
  int column = 0; ///< 1-based, 0 when unknown
};

/// A configuration read from YAML, with every problem found (not just the
/// first). The configuration is usable only when `issues` is empty.
struct config_load {
  config cfg;
  std::vector<config_issue> issues;
};

/// Parses YAML text. Missing keys keep their defaults.
config_load load_config_text(std::string_view yaml);

/// Reads and parses a file; an unreadable file is one issue.
config_load load_config_file(const std::string& path);

/// `FILE:LINE: key: reason (column C)`, or `FILE: key: reason` without a
/// place.
std::string format_issue(const std::string& file, const config_issue& issue);

/// Every `section.key` the loader knows, in the order of the file.
std::vector<std::string> config_keys();

/// The configuration as YAML, every key with its value (defaults included),
/// in a form `load_config_text` reads back to the same configuration.
std::string render_config(const config& cfg);

/// True when `id` is 1-64 characters of A-Z a-z 0-9 _ . : -
bool valid_sensor_id(std::string_view id);

/// Parses a byte size: digits, optionally followed by KiB, MiB or GiB.
bool parse_size(std::string_view text, std::uint64_t& out);

} // namespace aquad
