// SPDX-License-Identifier: MIT
#include "config/config.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <cctype>
#include <fstream>
#include <functional>
#include <sstream>

#include <yaml-cpp/yaml.h>

namespace aquad {

namespace {

constexpr micros max_duration = 1'000'000 * usec_per_day;

// A reader turns one YAML value into a field of `config`, or returns the
// reason it cannot. Readers never throw.
using reader = std::function<std::string(const YAML::Node&, config&)>;

// A reader that may find several problems in one value (a list of
// entries); it reports each itself.
using multi_reader = std::function<void(
  const YAML::Node&, config&, const std::string&, std::vector<config_issue>&)>;

struct key_rule {
  const char* section;
  const char* key;
  reader read;
  multi_reader read_all = nullptr;
};

config_issue at(const YAML::Node& node, std::string key, std::string reason);

bool scalar(const YAML::Node& node, std::string& out) {
  if (!node.IsScalar())
    return false;
  out = node.Scalar();
  return true;
}

// A quoted scalar ("5000") is a string in YAML, whatever it spells; keys
// that take numbers want a plain one.
bool plain_scalar(const YAML::Node& node, std::string& out) {
  return scalar(node, out) && node.Tag() != "!";
}

bool parse_unsigned(std::string_view text, std::uint64_t& out) {
  if (text.empty() || text.size() > 19)
    return false;
  std::uint64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9')
      return false;
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
  }
  out = value;
  return true;
}

bool parse_number(const YAML::Node& node, double& out) {
  std::string text;
  if (!plain_scalar(node, text) || text.empty())
    return false;
  char* end = nullptr;
  out = std::strtod(text.c_str(), &end);
  return end == text.c_str() + text.size() && std::isfinite(out);
}

reader unsigned_in(std::uint64_t lo, std::uint64_t hi,
                   std::function<void(config&, std::uint64_t)> set) {
  return [=](const YAML::Node& node, config& cfg) -> std::string {
    std::string text;
    std::uint64_t value;
    if (!plain_scalar(node, text) || !parse_unsigned(text, value)
        || value < lo || value > hi)
      return "must be an integer from " + std::to_string(lo) + " to "
             + std::to_string(hi);
    set(cfg, value);
    return {};
  };
}

reader size_at_least(std::uint64_t lo,
                     std::function<void(config&, std::uint64_t)> set) {
  return [=](const YAML::Node& node, config& cfg) -> std::string {
    std::string text;
    std::uint64_t value;
    if (!scalar(node, text) || !parse_size(text, value))
      return "must be a byte count, optionally with KiB, MiB or GiB "
             "(e.g. 8MiB)";
    if (value < lo)
      return "must be at least " + std::to_string(lo) + " bytes";
    set(cfg, value);
    return {};
  };
}

reader duration_in(micros lo, micros multiple_of,
                   std::function<void(config&, micros)> set) {
  return [=](const YAML::Node& node, config& cfg) -> std::string {
    std::string text;
    if (!scalar(node, text))
      return "must be a duration such as 90s, 15m, 1h or 7d";
    auto value = parse_duration(text);
    if (!value)
      return "must be a duration such as 90s, 15m, 1h or 7d";
    if (*value < lo)
      return "must be at least " + format_duration(lo);
    // Bounded so that now plus or minus it stays far from overflow.
    if (*value > max_duration)
      return "must be at most " + format_duration(max_duration);
    if (*value % multiple_of != 0)
      return "must be a multiple of " + format_duration(multiple_of);
    set(cfg, *value);
    return {};
  };
}

reader one_of(std::vector<std::string> allowed,
              std::function<void(config&, const std::string&)> set) {
  return [=](const YAML::Node& node, config& cfg) -> std::string {
    std::string text;
    std::string list;
    for (const auto& a : allowed)
      list += (list.empty() ? "" : ", ") + a;
    if (!scalar(node, text))
      return "must be one of " + list;
    for (const auto& a : allowed) {
      if (text == a) {
        set(cfg, text);
        return {};
      }
    }
    return "must be one of " + list + " (got '" + text + "')";
  };
}

reader range_of(std::function<void(config&, double, double)> set) {
  return [=](const YAML::Node& node, config& cfg) -> std::string {
    double lo, hi;
    if (!node.IsSequence() || node.size() != 2 || !parse_number(node[0], lo)
        || !parse_number(node[1], hi))
      return "must be a list of two finite numbers [min, max]";
    if (lo > hi)
      return "minimum must not exceed maximum";
    set(cfg, lo, hi);
    return {};
  };
}

// A PEM file holding a block whose label ends with `label`
// ("CERTIFICATE", "PRIVATE KEY"), so that a swapped or foreign file is
// found by --check-config rather than at start.
reader pem_file(std::string label,
                std::function<void(config&, const std::string&)> set) {
  return [=](const YAML::Node& node, config& cfg) -> std::string {
    std::string path;
    if (!scalar(node, path) || path.empty())
      return "must be the path of a PEM file";
    std::ifstream in{path};
    if (!std::filesystem::is_regular_file(path) || !in)
      return "cannot read " + path;
    std::stringstream text;
    text << in.rdbuf();
    auto body = text.str();
    if (body.find("-----BEGIN ") == std::string::npos
        || body.find(label + "-----") == std::string::npos)
      return path + " holds no PEM " + label + " block";
    set(cfg, path);
    return {};
  };
}

std::string read_address(const YAML::Node& node, config& cfg) {
  std::string text;
  unsigned char buf[16];
  if (!scalar(node, text)
      || (inet_pton(AF_INET, text.c_str(), buf) != 1
          && inet_pton(AF_INET6, text.c_str(), buf) != 1))
    return "must be an IPv4 or IPv6 address such as 127.0.0.1";
  cfg.listen.address = text;
  return {};
}

std::string read_path(const YAML::Node& node, config& cfg) {
  std::string text;
  if (!scalar(node, text) || text.empty())
    return "must be a non-empty path";
  cfg.storage.path = text;
  return {};
}

std::string read_sensors(const YAML::Node& node, config& cfg) {
  if (node.IsNull()) {
    cfg.ingest.sensors.clear();
    return {};
  }
  if (!node.IsSequence())
    return "must be a list of sensor ids";
  std::vector<std::string> ids;
  for (const auto& item : node) {
    std::string id;
    if (!scalar(item, id) || !valid_sensor_id(id))
      return "each id must be 1-64 characters of A-Z a-z 0-9 _ . : -";
    ids.push_back(id);
  }
  cfg.ingest.sensors = std::move(ids);
  return {};
}

// A bearer token as RFC 6750 allows it: letters, digits, -._~+/ and
// trailing = signs; no spaces, so nothing can be lost to trimming.
bool token_text(const std::string& t) {
  std::size_t i = 0;
  auto ok = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-'
           || c == '.' || c == '_' || c == '~' || c == '+' || c == '/';
  };
  while (i < t.size() && ok(t[i]))
    ++i;
  if (i == 0)
    return false;
  while (i < t.size() && t[i] == '=')
    ++i;
  return i == t.size();
}

// One entry of auth.tokens: {token: S, scope: read|write|both} or
// {token_file: PATH, scope: ...}; a file holds the token on its first line.
std::string read_token(const YAML::Node& node, config::auth_section::token& t) {
  if (!node.IsMap())
    return "each token is a mapping {token or token_file, scope}";
  std::string secret, file, scope;
  std::vector<std::string> seen;
  for (const auto& kv : node) {
    auto key = kv.first.as<std::string>();
    if (std::find(seen.begin(), seen.end(), key) != seen.end())
      return key + " given more than once";
    seen.push_back(key);
    std::string value;
    if (!scalar(kv.second, value))
      return key + " must be a string";
    if (key == "token")
      secret = value;
    else if (key == "token_file")
      file = value;
    else if (key == "scope")
      scope = value;
    else
      return "unknown key " + key + " in a token (token, token_file, scope)";
  }
  if (secret.empty() == file.empty())
    return "give exactly one of token and token_file";
  if (!file.empty()) {
    std::ifstream in{file};
    if (!std::filesystem::is_regular_file(file) || !in
        || !std::getline(in, secret))
      return "cannot read token_file " + file;
    while (!secret.empty()
           && std::isspace(static_cast<unsigned char>(secret.back())))
      secret.pop_back();
  }
  if (secret.size() < 16)
    return "a token must be at least 16 characters";
  if (!token_text(secret))
    return "a token may hold only letters, digits and -._~+/ "
           "(then = signs)";
  if (scope != "read" && scope != "write" && scope != "both")
    return "scope must be read, write or both";
  t.secret = secret;
  t.read = scope != "write";
  t.write = scope != "read";
  return {};
}

void read_tokens(const YAML::Node& node, config& cfg, const std::string& key,
                 std::vector<config_issue>& issues) {
  if (node.IsNull()) {
    cfg.auth.tokens.clear();
    return;
  }
  if (!node.IsSequence()) {
    issues.push_back(at(node, key, "must be a list of {token or "
                                   "token_file, scope}"));
    return;
  }
  std::vector<config::auth_section::token> tokens;
  auto before = issues.size();
  std::size_t n = 0;
  for (const auto& item : node) {
    ++n;
    config::auth_section::token t;
    auto why = read_token(item, t);
    if (!why.empty()) {
      issues.push_back(at(item, key, "entry " + std::to_string(n) + ": "
                                       + why));
      continue;
    }
    for (const auto& other : tokens)
      if (other.secret == t.secret)
        why = "entry " + std::to_string(n)
              + ": the same token is listed twice";
    if (!why.empty()) {
      issues.push_back(at(item, key, why));
      continue;
    }
    tokens.push_back(std::move(t));
  }
  if (issues.size() == before)
    cfg.auth.tokens = std::move(tokens);
}

const std::vector<key_rule>& rules() {
  using C = config;
  static const std::vector<key_rule> table = {
    {"listen", "address", read_address},
    {"listen", "port", unsigned_in(1, 65535, [](C& c, std::uint64_t v) {
       c.listen.port = static_cast<std::uint16_t>(v);
     })},
    {"listen", "tls_cert",
     pem_file("CERTIFICATE",
              [](C& c, const std::string& v) { c.listen.tls_cert = v; })},
    {"listen", "tls_key",
     pem_file("PRIVATE KEY",
              [](C& c, const std::string& v) { c.listen.tls_key = v; })},
    {"storage", "backend",
     one_of({"lmdb", "memory"},
            [](C& c, const std::string& v) { c.storage.backend = v; })},
    {"storage", "path", read_path},
    {"storage", "sync", one_of({"full", "none"},
                               [](C& c, const std::string& v) {
                                 c.storage.sync = v == "full" ? sync_mode::full
                                                              : sync_mode::none;
                               })},
    {"storage", "map_size", size_at_least(1ULL << 20, [](C& c, std::uint64_t v) {
       c.storage.map_size = v;
     })},
    {"rollup", "minute_tier",
     duration_in(5 * usec_per_min, 5 * usec_per_min,
                 [](C& c, micros v) { c.rollup.minute_tier = v; })},
    {"rollup", "interval", duration_in(usec_per_sec, usec_per_sec,
                                       [](C& c, micros v) {
                                         c.rollup.interval = v;
                                       })},
    {"ingest", "max_clock_skew",
     duration_in(0, usec_per_sec,
                 [](C& c, micros v) { c.ingest.max_clock_skew = v; })},
    {"ingest", "max_body", size_at_least(1024, [](C& c, std::uint64_t v) {
       c.ingest.max_body = v;
     })},
    {"ingest", "max_batch",
     unsigned_in(1, 10'000'000,
                 [](C& c, std::uint64_t v) { c.ingest.max_batch = v; })},
    {"ingest", "sensors", read_sensors},
    {"ingest", "temperature_range", range_of([](C& c, double lo, double hi) {
       c.ingest.temperature_min = lo;
       c.ingest.temperature_max = hi;
     })},
    {"ingest", "conductivity_range", range_of([](C& c, double lo, double hi) {
       c.ingest.conductivity_min = lo;
       c.ingest.conductivity_max = hi;
     })},
    {"query", "max_points",
     unsigned_in(1, 1'000'000,
                 [](C& c, std::uint64_t v) { c.query.max_points = v; })},
    {"query", "max_buckets",
     unsigned_in(1, 10'000'000,
                 [](C& c, std::uint64_t v) { c.query.max_buckets = v; })},
    {"http", "max_connections",
     unsigned_in(1, 1'000'000,
                 [](C& c, std::uint64_t v) { c.http.max_connections = v; })},
    {"http", "max_in_flight",
     unsigned_in(1, 10'000'000,
                 [](C& c, std::uint64_t v) { c.http.max_in_flight = v; })},
    {"http", "max_in_flight_bytes",
     size_at_least(1ULL << 20, [](C& c, std::uint64_t v) {
       c.http.max_in_flight_bytes = v;
     })},
    {"http", "read_timeout",
     duration_in(usec_per_sec, usec_per_sec,
                 [](C& c, micros v) { c.http.read_timeout = v; })},
    {"http", "write_timeout",
     duration_in(usec_per_sec, usec_per_sec,
                 [](C& c, micros v) { c.http.write_timeout = v; })},
    {"http", "max_url", size_at_least(1024, [](C& c, std::uint64_t v) {
       c.http.max_url = v;
     })},
    {"http", "max_header_bytes", size_at_least(1024, [](C& c, std::uint64_t v) {
       c.http.max_header_bytes = v;
     })},
    {"http", "max_headers",
     unsigned_in(8, 100'000,
                 [](C& c, std::uint64_t v) { c.http.max_headers = v; })},
    {"auth", "tokens", nullptr, read_tokens},
    {"auth", "metrics", one_of({"open", "token"},
                               [](C& c, const std::string& v) {
                                 c.auth.metrics_open = v == "open";
                               })},
    {"log", "level",
     one_of({"error", "warning", "info", "debug", "trace"},
            [](C& c, const std::string& v) {
              parse_log_level(v, c.log.level);
            })},
    {"log", "format", one_of({"text", "json"}, [](C& c, const std::string& v) {
       c.log.json = v == "json";
     })},
    {"log", "access", one_of({"true", "false"},
                             [](C& c, const std::string& v) {
                               c.log.access = v == "true";
                             })},
  };
  return table;
}

// An issue placed at `node`'s line and column.
config_issue at(const YAML::Node& node, std::string key, std::string reason) {
  auto mark = node.Mark();
  config_issue issue;
  issue.line = mark.line < 0 ? 0 : mark.line + 1;
  issue.column = mark.column < 0 ? 0 : mark.column + 1;
  issue.key = std::move(key);
  issue.reason = std::move(reason);
  return issue;
}

// "address, port" for a section, to say what is allowed.
std::string keys_of(const std::string& section) {
  std::string out;
  for (const auto& r : rules())
    if (section == r.section)
      out += (out.empty() ? "" : ", ") + std::string{r.key};
  return out;
}

std::string sections() {
  std::string out;
  for (const auto& r : rules())
    if (out.find(r.section) == std::string::npos)
      out += (out.empty() ? "" : ", ") + std::string{r.section};
  return out;
}

bool known_section(const std::string& name) {
  for (const auto& r : rules())
    if (name == r.section)
      return true;
  return false;
}

void read_section(const std::string& name, const YAML::Node& body,
                  const YAML::Node& key_node, config_load& out) {
  if (body.IsNull())
    return;
  if (!body.IsMap()) {
    out.issues.push_back(at(key_node, name, "must be a mapping"));
    return;
  }
  std::vector<std::string> seen;
  for (const auto& entry : body) {
    auto key = entry.first.as<std::string>();
    auto dotted = name + "." + key;
    if (std::find(seen.begin(), seen.end(), key) != seen.end()) {
      out.issues.push_back(at(entry.first, dotted, "given more than once"));
      continue;
    }
    seen.push_back(key);
    const key_rule* rule = nullptr;
    for (const auto& r : rules())
      if (name == r.section && key == r.key)
        rule = &r;
    if (rule == nullptr) {
      out.issues.push_back(at(entry.first, dotted,
                              "unknown key; " + name + " takes "
                                + keys_of(name)));
      continue;
    }
    if (rule->read_all) {
      rule->read_all(entry.second, out.cfg, dotted, out.issues);
      continue;
    }
    auto reason = rule->read(entry.second, out.cfg);
    if (!reason.empty())
      out.issues.push_back(at(entry.second, dotted, reason));
  }
}

void read_root(const YAML::Node& root, config_load& out);
void check_together(const YAML::Node& root, config_load& out);

} // namespace

bool valid_sensor_id(std::string_view id) {
  if (id.empty() || id.size() > 64)
    return false;
  for (char c : id) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
              || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == ':'
              || c == '-';
    if (!ok)
      return false;
  }
  return true;
}

bool parse_size(std::string_view text, std::uint64_t& out) {
  std::uint64_t unit = 1;
  auto strip = [&](std::string_view suffix, std::uint64_t u) {
    if (text.size() > suffix.size()
        && text.substr(text.size() - suffix.size()) == suffix) {
      text.remove_suffix(suffix.size());
      unit = u;
      return true;
    }
    return false;
  };
  strip("KiB", 1ULL << 10) || strip("MiB", 1ULL << 20)
    || strip("GiB", 1ULL << 30);
  std::uint64_t value;
  if (!parse_unsigned(text, value) || value > (1ULL << 50) / unit)
    return false;
  out = value * unit;
  return true;
}

config_load load_config_text(std::string_view yaml) {
  config_load out;
  // yaml-cpp reports syntax errors and odd shapes (a mapping used as a key)
  // by throwing; both become one issue with the line it marks.
  try {
    auto root = YAML::Load(std::string{yaml});
    read_root(root, out);
    if (out.issues.empty())
      check_together(root, out);
  } catch (const YAML::Exception& e) {
    config_issue issue;
    issue.line = e.mark.line < 0 ? 0 : e.mark.line + 1;
    issue.column = e.mark.column < 0 ? 0 : e.mark.column + 1;
    issue.reason = "invalid YAML: " + e.msg;
    out.issues.push_back(issue);
  }
  return out;
}

namespace {

void check_together(const YAML::Node& root, config_load& out) {
  const auto& l = out.cfg.listen;
  if (l.tls_cert.empty() == l.tls_key.empty())
    return;
  std::string given = l.tls_cert.empty() ? "tls_key" : "tls_cert";
  std::string missing = l.tls_cert.empty() ? "tls_cert" : "tls_key";
  out.issues.push_back(at(root["listen"][given], "listen." + given,
                          "needs listen." + missing + " too"));
}

void read_root(const YAML::Node& root, config_load& out) {
  if (root.IsNull())
    return;
  if (!root.IsMap()) {
    out.issues.push_back(at(root, "", "must be a mapping of sections"));
    return;
  }
  std::vector<std::string> seen;
  for (const auto& entry : root) {
    auto name = entry.first.as<std::string>();
    if (std::find(seen.begin(), seen.end(), name) != seen.end()) {
      out.issues.push_back(at(entry.first, name,
                              "section given more than once"));
      continue;
    }
    seen.push_back(name);
    if (!known_section(name)) {
      out.issues.push_back(at(entry.first, name,
                              "unknown section; sections are "
                                + sections()));
      continue;
    }
    read_section(name, entry.second, entry.first, out);
  }
}

} // namespace

config_load load_config_file(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    config_load out;
    out.issues.push_back(
      {0, "", std::filesystem::exists(path, ec) ? "is not a regular file"
                                                 : "no such file",
       0});
    return out;
  }
  std::ifstream in{path};
  if (!in) {
    config_load out;
    out.issues.push_back({0, "", "cannot read the file", 0});
    return out;
  }
  std::stringstream text;
  text << in.rdbuf();
  return load_config_text(text.str());
}

std::string format_issue(const std::string& file, const config_issue& issue) {
  std::string out = file;
  if (issue.line > 0)
    out += ":" + std::to_string(issue.line);
  out += ": ";
  if (!issue.key.empty())
    out += issue.key + ": ";
  out += issue.reason;
  if (issue.column > 0)
    out += " (column " + std::to_string(issue.column) + ")";
  return out;
}

std::vector<std::string> config_keys() {
  std::vector<std::string> out;
  for (const auto& r : rules())
    out.push_back(std::string{r.section} + "." + r.key);
  return out;
}

namespace {

std::string yaml_number(double v) {
  std::ostringstream os;
  os.precision(17);
  os << v;
  return os.str();
}

std::string size_text(std::uint64_t v) {
  if (v != 0 && v % (1ULL << 30) == 0)
    return std::to_string(v >> 30) + "GiB";
  if (v != 0 && v % (1ULL << 20) == 0)
    return std::to_string(v >> 20) + "MiB";
  if (v != 0 && v % (1ULL << 10) == 0)
    return std::to_string(v >> 10) + "KiB";
  return std::to_string(v);
}

} // namespace

std::string render_config(const config& c) {
  static constexpr const char* levels[] = {"error", "warning", "info",
                                           "debug", "trace"};
  std::ostringstream os;
  os << "listen:\n  address: " << c.listen.address
     << "\n  port: " << c.listen.port << "\n";
  if (!c.listen.tls_cert.empty())
    os << "  tls_cert: " << YAML::Node(c.listen.tls_cert)
       << "\n  tls_key: " << YAML::Node(c.listen.tls_key) << "\n";
  else
    os << "  # tls_cert: (unset: plain HTTP)\n  # tls_key: (unset)\n";
  os << "storage:\n  backend: " << c.storage.backend
     << "\n  path: " << YAML::Node(c.storage.path)
     << "\n  sync: " << (c.storage.sync == sync_mode::full ? "full" : "none")
     << "\n  map_size: " << size_text(c.storage.map_size) << "\n";
  os << "rollup:\n  minute_tier: " << format_duration(c.rollup.minute_tier)
     << "\n  interval: " << format_duration(c.rollup.interval) << "\n";
  os << "ingest:\n  max_clock_skew: "
     << format_duration(c.ingest.max_clock_skew)
     << "\n  max_body: " << size_text(c.ingest.max_body)
     << "\n  max_batch: " << c.ingest.max_batch << "\n  sensors: [";
  for (std::size_t i = 0; i < c.ingest.sensors.size(); ++i)
    os << (i ? ", " : "") << c.ingest.sensors[i];
  os << "]\n  temperature_range: [" << yaml_number(c.ingest.temperature_min)
     << ", " << yaml_number(c.ingest.temperature_max) << "]"
     << "\n  conductivity_range: ["
     << yaml_number(c.ingest.conductivity_min) << ", "
     << yaml_number(c.ingest.conductivity_max) << "]\n";
  os << "query:\n  max_points: " << c.query.max_points
     << "\n  max_buckets: " << c.query.max_buckets << "\n";
  os << "http:\n  max_connections: " << c.http.max_connections
     << "\n  max_in_flight: " << c.http.max_in_flight
     << "\n  max_in_flight_bytes: " << size_text(c.http.max_in_flight_bytes)
     << "\n  read_timeout: " << format_duration(c.http.read_timeout)
     << "\n  write_timeout: " << format_duration(c.http.write_timeout)
     << "\n  max_url: " << size_text(c.http.max_url)
     << "\n  max_header_bytes: " << size_text(c.http.max_header_bytes)
     << "\n  max_headers: " << c.http.max_headers << "\n";
  // Tokens are secrets: never printed, so the printout omits them.
  os << "auth:\n  metrics: " << (c.auth.metrics_open ? "open" : "token")
     << "\n";
  if (c.auth.tokens.empty())
    os << "  tokens: []\n";
  else
    os << "  # tokens: " << c.auth.tokens.size() << " (not printed)\n";
  os << "log:\n  level: " << levels[static_cast<int>(c.log.level)]
     << "\n  format: " << (c.log.json ? "json" : "text")
     << "\n  access: " << (c.log.access ? "true" : "false") << "\n";
  return os.str();
}

} // namespace aquad
