// SPDX-License-Identifier: MIT
#include "daemon/http_parse.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include <simdjson.h>

#include "daemon/http_json.hpp"

namespace aquad {

namespace {

problem bad(errc code, std::string message, std::string field = {},
            std::optional<std::size_t> index = std::nullopt) {
  return problem{code, std::move(message), std::move(field), index};
}

// The fields of one measurement object; absent ones stay null handles.
struct fields {
  simdjson::dom::element sensor_id;
  simdjson::dom::element timestamp;
  simdjson::dom::element temperature;
  simdjson::dom::element conductivity;
  bool has_sensor_id = false;
  bool has_timestamp = false;
  bool has_temperature = false;
  bool has_conductivity = false;
};

bool is_number(const simdjson::dom::element& e) {
  using t = simdjson::dom::element_type;
  auto type = e.type();
  return type == t::INT64 || type == t::UINT64 || type == t::DOUBLE;
}

// Reads one numeric field of a measurement and checks its range.
std::optional<problem> read_metric(bool present,
                                   const simdjson::dom::element& e,
                                   const char* field, double lo, double hi,
                                   double& out) {
  if (!present)
    return bad(errc::missing_field, std::string{field} + " is required",
               field);
  if (!is_number(e) || e.get_double().get(out) != simdjson::SUCCESS
      || !std::isfinite(out))
    return bad(errc::invalid_field,
               std::string{field} + " must be a finite number", field);
  if (out < lo || out > hi) {
    std::string msg = std::string{field} + " ";
    append_json_number(msg, out);
    msg += " is outside the accepted range [";
    append_json_number(msg, lo);
    msg += ", ";
    append_json_number(msg, hi);
    msg += "]";
    return bad(errc::out_of_range, msg, field);
  }
  // -0 and 0 are the same reading; store one of them.
  out += 0.0;
  return std::nullopt;
}

std::optional<problem> read_measurement(const simdjson::dom::element& elem,
                                        const config& cfg, micros now,
                                        measurement& m) {
  simdjson::dom::object obj;
  if (elem.get_object().get(obj) != simdjson::SUCCESS)
    return bad(errc::invalid_json, "a measurement must be a JSON object");
  fields f;
  // Unknown fields are ignored; a field given twice takes its last value.
  for (auto field : obj) {
    if (field.key == "sensor_id") {
      f.sensor_id = field.value;
      f.has_sensor_id = true;
    } else if (field.key == "timestamp") {
      f.timestamp = field.value;
      f.has_timestamp = true;
    } else if (field.key == "temperature") {
      f.temperature = field.value;
      f.has_temperature = true;
    } else if (field.key == "conductivity") {
      f.conductivity = field.value;
      f.has_conductivity = true;
    }
  }

  std::string_view text;
  if (!f.has_sensor_id)
    return bad(errc::missing_field, "sensor_id is required", "sensor_id");
  if (f.sensor_id.get_string().get(text) != simdjson::SUCCESS
      || !valid_sensor_id(text))
    return bad(errc::invalid_field,
               "sensor_id must be 1-64 characters of A-Z a-z 0-9 _ . : -",
               "sensor_id");
  m.sensor_id.assign(text.data(), text.size());

  if (!f.has_timestamp)
    return bad(errc::missing_field, "timestamp is required", "timestamp");
  if (f.timestamp.get_string().get(text) != simdjson::SUCCESS)
    return bad(errc::invalid_field,
               "timestamp must be an RFC 3339 string such as "
               "2026-12-04T15:40:12.123Z, not a number",
               "timestamp");
  std::string why;
  auto t = parse_timestamp(text, &why);
  if (!t)
    return bad(errc::invalid_field, why, "timestamp");
  m.time = *t;

  const auto& in = cfg.ingest;
  if (auto p = read_metric(f.has_temperature, f.temperature, "temperature",
                           in.temperature_min, in.temperature_max,
                           m.temperature_c))
    return p;
  if (auto p = read_metric(f.has_conductivity, f.conductivity,
                           "conductivity", in.conductivity_min,
                           in.conductivity_max, m.conductivity_us_cm))
    return p;

  // Checked last: a malformed field is the more useful error to report.
  if (m.time > now + in.max_clock_skew)
    return bad(errc::too_far_in_future,
               "timestamp " + format_timestamp(m.time)
                 + " is later than now plus ingest.max_clock_skew ("
                 + format_duration(in.max_clock_skew) + ")",
               "timestamp");
  if (!in.sensors.empty()
      && std::find(in.sensors.begin(), in.sensors.end(), m.sensor_id)
           == in.sensors.end())
    return bad(errc::sensor_not_allowed,
               "sensor " + m.sensor_id + " is not listed in ingest.sensors",
               "sensor_id");
  return std::nullopt;
}

// The full parser rejects a document holding a number it cannot
// represent (1e400) as a whole. This walks the
// document lazily to name the field and element, for a useful error.
problem locate_bad_number(const simdjson::padded_string& body) {
  problem p = bad(errc::invalid_json,
                  "the body holds a number out of range");
  simdjson::ondemand::parser parser;
  simdjson::ondemand::document doc;
  if (parser.iterate(body).get(doc) != simdjson::SUCCESS)
    return p;
  auto check_object = [&](simdjson::ondemand::object obj,
                          std::optional<std::size_t> index) -> bool {
    for (auto field : obj) {
      std::string_view key;
      simdjson::ondemand::json_type type;
      if (field.unescaped_key().get(key) != simdjson::SUCCESS
          || field.value().type().get(type) != simdjson::SUCCESS)
        return false;
      double v;
      if (type == simdjson::ondemand::json_type::number
          && field.value().get_double().get(v) != simdjson::SUCCESS) {
        std::string name{key};
        p = bad(errc::invalid_field, name + " must be a finite number",
                name, index);
        return true;
      }
    }
    return false;
  };
  simdjson::ondemand::json_type type;
  if (doc.type().get(type) != simdjson::SUCCESS)
    return p;
  if (type == simdjson::ondemand::json_type::object) {
    simdjson::ondemand::object obj;
    if (doc.get_object().get(obj) == simdjson::SUCCESS)
      check_object(obj, std::nullopt);
    return p;
  }
  simdjson::ondemand::array arr;
  if (doc.get_array().get(arr) != simdjson::SUCCESS)
    return p;
  std::size_t i = 0;
  for (auto elem : arr) {
    simdjson::ondemand::object obj;
    if (elem.get_object().get(obj) == simdjson::SUCCESS
        && check_object(obj, i))
      break;
    ++i;
  }
  return p;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

// `now`, a negative offset from now such as `-15m`, or RFC 3339.
std::optional<micros> parse_time_param(const std::string& text, micros now,
                                       std::string& why) {
  if (text == "now")
    return now;
  if (!text.empty() && text[0] == '-') {
    auto d = parse_duration(std::string_view{text}.substr(1));
    if (!d) {
      why = "relative times look like -90s, -15m, -2h or -7d";
      return std::nullopt;
    }
    if (*d > now - min_instant) {
      why = "that is before 0001-01-01T00:00:00Z";
      return std::nullopt;
    }
    return now - *d;
  }
  return parse_timestamp(text, &why);
}

// Reads `from` and `to` with their defaults: to = now, from = to - 1h.
std::optional<problem> read_range(const std::map<std::string, std::string>& p,
                                  micros now, micros& from, micros& to) {
  std::string why;
  to = now;
  if (auto it = p.find("to"); it != p.end()) {
    auto t = parse_time_param(it->second, now, why);
    if (!t)
      return bad(errc::invalid_query, "to: " + why, "to");
    to = *t;
  }
  from = std::max(to - usec_per_hour, min_instant);
  if (auto it = p.find("from"); it != p.end()) {
    auto t = parse_time_param(it->second, now, why);
    if (!t)
      return bad(errc::invalid_query, "from: " + why, "from");
    from = *t;
  }
  if (from >= to)
    return bad(errc::invalid_query, "from must be earlier than to", "from");
  return std::nullopt;
}

std::optional<problem>
only_known(const std::map<std::string, std::string>& p,
           std::initializer_list<const char*> known) {
  for (const auto& entry : p) {
    const auto& key = entry.first;
    bool ok = std::any_of(known.begin(), known.end(),
                          [&](const char* k) { return key == k; });
    if (!ok)
      return bad(errc::invalid_query, "unknown query parameter " + key, key);
  }
  return std::nullopt;
}

std::optional<std::uint64_t> read_count(const std::string& text) {
  if (text.empty() || text.size() > 12)
    return std::nullopt;
  std::uint64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9')
      return std::nullopt;
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return v;
}

constexpr const char* b64 =
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string base64url(std::string_view in) {
  std::string out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (unsigned char c : in) {
    acc = (acc << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += b64[(acc >> bits) & 63];
    }
  }
  if (bits > 0)
    out += b64[(acc << (6 - bits)) & 63];
  return out;
}

std::optional<std::string> unbase64url(std::string_view in) {
  std::string out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    const char* pos = std::char_traits<char>::find(b64, 64, c);
    if (pos == nullptr)
      return std::nullopt;
    acc = (acc << 6) | static_cast<std::uint32_t>(pos - b64);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xFF);
    }
  }
  return out;
}

// A cursor freezes the walk's range and order, so `to=now` does not move
// between pages: `v1:<from>:<to>:<a|d>:<last>`.
std::optional<problem> read_cursor(const std::string& text, raw_request& r) {
  auto bad_cursor = bad(errc::invalid_query,
                        "cursor is not one this server handed out", "cursor");
  auto plain = unbase64url(text);
  if (!plain || plain->size() > 100)
    return bad_cursor;
  long long from, to, last;
  char order;
  int used = 0;
  if (std::sscanf(plain->c_str(), "v1:%lld:%lld:%c:%lld%n", &from, &to,
                  &order, &last, &used)
        != 4
      || used != static_cast<int>(plain->size()) || from >= to
      || (order != 'a' && order != 'd') || from < min_instant
      || to > max_instant)
    return bad_cursor;
  r.from = from;
  r.to = to;
  r.descending = order == 'd';
  r.after = last;
  return std::nullopt;
}

} // namespace

parsed<ingest_request> decode_measurements(std::string_view body,
                                           const config& cfg, micros now) {
  // simdjson validates the whole document (UTF-8 included) at a few GB/s.
  // One parser per thread is reused for ordinary bodies; a large one gets
  // its own, so the reused parser does not keep megabytes of buffers.
  constexpr std::size_t reuse_limit = 1 << 20;
  thread_local simdjson::dom::parser shared;
  std::optional<simdjson::dom::parser> own;
  auto& parser = body.size() <= reuse_limit ? shared : own.emplace();
  simdjson::padded_string padded{body};
  simdjson::dom::element doc;
  auto err = parser.parse(padded).get(doc);
  if (err == simdjson::NUMBER_ERROR)
    return locate_bad_number(padded);
  if (err == simdjson::DEPTH_ERROR)
    return bad(errc::invalid_json, "the body nests too deeply");
  if (err != simdjson::SUCCESS)
    return bad(errc::invalid_json, "the body is not valid JSON");

  ingest_request req;
  simdjson::dom::array arr;
  if (doc.get_array().get(arr) != simdjson::SUCCESS) {
    req.points.resize(1);
    if (auto p = read_measurement(doc, cfg, now, req.points[0]))
      return std::move(*p);
    return req;
  }

  req.batch = true;
  if (arr.size() == 0)
    return bad(errc::empty_batch, "a batch must hold at least one element");
  if (arr.size() > cfg.ingest.max_batch)
    return bad(errc::batch_too_large,
               "a batch may hold at most "
                 + std::to_string(cfg.ingest.max_batch)
                 + " elements (ingest.max_batch)");
  req.points.resize(arr.size());
  std::size_t i = 0;
  for (auto elem : arr) {
    if (auto p = read_measurement(elem, cfg, now, req.points[i])) {
      p->index = i;
      return std::move(*p);
    }
    ++i;
  }
  return req;
}

std::optional<std::string> percent_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    if (i + 2 >= text.size())
      return std::nullopt;
    int hi = hex_value(text[i + 1]);
    int lo = hex_value(text[i + 2]);
    if (hi < 0 || lo < 0)
      return std::nullopt;
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

parsed<std::map<std::string, std::string>>
parse_query_string(std::string_view text) {
  std::map<std::string, std::string> out;
  while (!text.empty()) {
    auto amp = text.find('&');
    auto part = text.substr(0, amp);
    text = amp == std::string_view::npos ? std::string_view{}
                                          : text.substr(amp + 1);
    if (part.empty())
      continue;
    auto eq = part.find('=');
    auto key = percent_decode(part.substr(0, eq));
    auto value = percent_decode(
      eq == std::string_view::npos ? std::string_view{} : part.substr(eq + 1));
    if (!key || !value)
      return bad(errc::invalid_query, "malformed %-escape in the query");
    if (!out.emplace(*key, *value).second)
      return bad(errc::invalid_query, "query parameter " + *key
                                        + " is given more than once",
                 *key);
  }
  return out;
}

parsed<raw_request>
decode_raw_query(const std::string& id,
                 const std::map<std::string, std::string>& p, micros now) {
  if (auto e = only_known(p, {"from", "to", "limit", "order", "cursor"}))
    return std::move(*e);
  raw_request r;
  r.sensor_id = id;
  if (auto e = read_range(p, now, r.from, r.to))
    return std::move(*e);
  if (auto it = p.find("order"); it != p.end()) {
    if (it->second != "asc" && it->second != "desc")
      return bad(errc::invalid_query, "order must be asc or desc", "order");
    r.descending = it->second == "desc";
  }
  if (auto it = p.find("limit"); it != p.end()) {
    auto n = read_count(it->second);
    if (!n || *n < 1 || *n > 10'000)
      return bad(errc::invalid_query,
                 "limit must be an integer from 1 to 10000", "limit");
    r.limit = *n;
  }
  if (auto it = p.find("cursor"); it != p.end())
    if (auto e = read_cursor(it->second, r))
      return std::move(*e);
  return r;
}

parsed<stats_request>
decode_stats_query(const std::string& id,
                   const std::map<std::string, std::string>& p,
                   const config& cfg, micros now) {
  if (auto e = only_known(p,
                          {"from", "to", "resolution", "max_points", "fill"}))
    return std::move(*e);
  stats_request r;
  r.sensor_id = id;
  r.max_points = cfg.query.max_points;
  r.max_buckets = cfg.query.max_buckets;
  if (auto e = read_range(p, now, r.from, r.to))
    return std::move(*e);
  if (auto it = p.find("resolution"); it != p.end() && it->second != "auto") {
    if (it->second == "raw") {
      r.how = stats_request::mode::raw;
    } else if (auto w = parse_resolution(it->second)) {
      r.how = stats_request::mode::width;
      r.width = *w;
    } else {
      return bad(errc::invalid_query,
                 "resolution must be auto, raw, 1m, 5m, 15m, 30m, 1h, 3h, "
                 "6h, 12h or 1d",
                 "resolution");
    }
  }
  if (auto it = p.find("max_points"); it != p.end()) {
    auto n = read_count(it->second);
    if (!n || *n < 1 || *n > cfg.query.max_buckets)
      return bad(errc::invalid_query,
                 "max_points must be an integer from 1 to "
                   + std::to_string(cfg.query.max_buckets),
                 "max_points");
    r.max_points = *n;
  }
  if (auto it = p.find("fill"); it != p.end()) {
    if (it->second != "null" && it->second != "none")
      return bad(errc::invalid_query, "fill must be null or none", "fill");
    r.fill = it->second == "null";
  }
  return r;
}

std::string encode_cursor(const raw_request& req, micros last) {
  return base64url("v1:" + std::to_string(req.from) + ":"
                   + std::to_string(req.to) + ":"
                   + (req.descending ? "d" : "a") + ":"
                   + std::to_string(last));
}

} // namespace aquad
