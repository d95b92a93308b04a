// SPDX-License-Identifier: MIT
#include "daemon/http_json.hpp"

#include <charconv>

namespace aquad {

namespace {

// Length of the valid UTF-8 sequence starting at s[i], or 0.
std::size_t utf8_length(std::string_view s, std::size_t i) {
  auto c = static_cast<unsigned char>(s[i]);
  std::size_t n = c >= 0xF0 && c <= 0xF4   ? 4
                  : c >= 0xE0              ? 3
                  : c >= 0xC2 && c <= 0xDF ? 2
                                           : 0;
  if (n == 0 || i + n > s.size())
    return 0;
  for (std::size_t k = 1; k < n; ++k)
    if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80)
      return 0;
  return n;
}

void append_time(std::string& out, const char* key, micros t) {
  out += '"';
  out += key;
  out += "\":\"";
  append_timestamp(out, t);
  out += '"';
}

void append_metric(std::string& out, const char* key, const metric_stats& m,
                   std::uint64_t count) {
  out += '"';
  out += key;
  out += "\":{";
  if (count == 0) {
    out += "\"min\":null,\"max\":null,\"mean\":null,\"stddev\":null}";
    return;
  }
  out += "\"min\":";
  append_json_number(out, m.min);
  out += ",\"max\":";
  append_json_number(out, m.max);
  out += ",\"mean\":";
  append_json_number(out, m.mean(count));
  out += ",\"stddev\":";
  if (auto sd = sample_stddev(m, count))
    append_json_number(out, *sd);
  else
    out += "null";
  out += '}';
}

void append_stats(std::string& out, const bucket_stats& s) {
  out += "\"count\":";
  out += std::to_string(s.count);
  out += ',';
  append_metric(out, "temperature", s.temperature, s.count);
  out += ',';
  append_metric(out, "conductivity", s.conductivity, s.count);
}

void append_point(std::string& out, const raw_point& p) {
  out += '{';
  append_time(out, "timestamp", p.time);
  out += ",\"temperature\":";
  append_json_number(out, p.temperature_c);
  out += ",\"conductivity\":";
  append_json_number(out, p.conductivity_us_cm);
  out += '}';
}

void append_sensor(std::string& out, const sensor_record& r, bool latest) {
  out += "{\"sensor_id\":";
  append_json_string(out, r.id);
  out += ',';
  append_time(out, "first", r.first);
  out += ',';
  append_time(out, "last", r.last);
  out += ",\"count\":";
  out += std::to_string(r.count);
  if (latest) {
    out += ",\"latest\":";
    append_point(out, r.latest);
  }
  out += '}';
}

} // namespace

void append_json_string(std::string& out, std::string_view text) {
  static constexpr char hex[] = "0123456789abcdef";
  out += '"';
  for (std::size_t i = 0; i < text.size(); ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      out += "\\u00";
      out += hex[c >> 4];
      out += hex[c & 15];
    } else if (c < 0x80) {
      out += static_cast<char>(c);
    } else if (auto n = utf8_length(text, i)) {
      out.append(text.substr(i, n));
      i += n - 1;
    } else {
      out += "\\ufffd";
    }
  }
  out += '"';
}

void append_json_number(std::string& out, double v) {
  char buf[32];
  auto res = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, res.ptr);
}

std::string error_body(const problem& p) {
  std::string out = "{\"error\":{\"code\":";
  append_json_string(out, to_string(p.code));
  out += ",\"message\":";
  append_json_string(out, p.message);
  if (!p.field.empty()) {
    out += ",\"field\":";
    append_json_string(out, p.field);
  }
  if (p.index) {
    out += ",\"index\":";
    out += std::to_string(*p.index);
  }
  out += "}}";
  return out;
}

std::string stored_body(const measurement& m, bool duplicate) {
  std::string out = "{\"sensor_id\":";
  append_json_string(out, m.sensor_id);
  out += ',';
  append_time(out, "timestamp", m.time);
  out += ",\"temperature\":";
  append_json_number(out, m.temperature_c);
  out += ",\"conductivity\":";
  append_json_number(out, m.conductivity_us_cm);
  out += duplicate ? ",\"duplicate\":true}" : ",\"duplicate\":false}";
  return out;
}

std::string batch_body(std::uint64_t accepted, std::uint64_t duplicates) {
  return "{\"accepted\":" + std::to_string(accepted)
         + ",\"duplicates\":" + std::to_string(duplicates) + "}";
}

std::string raw_body(const raw_result& r,
                     const std::optional<std::string>& next) {
  std::string out;
  out.reserve(128 + r.points.size() * 90);
  out += "{\"sensor_id\":";
  append_json_string(out, r.sensor_id);
  out += ',';
  append_time(out, "from", r.from);
  out += ',';
  append_time(out, "to", r.to);
  out += ",\"order\":";
  out += r.descending ? "\"desc\"" : "\"asc\"";
  out += ",\"measurements\":[";
  for (std::size_t i = 0; i < r.points.size(); ++i) {
    if (i > 0)
      out += ',';
    append_point(out, r.points[i]);
  }
  out += "],\"next\":";
  if (next)
    append_json_string(out, *next);
  else
    out += "null";
  out += '}';
  return out;
}

std::string stats_body(const stats_result& r) {
  std::string out;
  out.reserve(256 + r.buckets.size() * 400);
  out += "{\"sensor_id\":";
  append_json_string(out, r.sensor_id);
  out += ',';
  append_time(out, "from", r.from);
  out += ',';
  append_time(out, "to", r.to);
  out += ",\"resolution\":";
  append_json_string(out, r.resolution);
  out += ",\"summary\":{";
  append_stats(out, r.summary);
  out += "},\"buckets\":[";
  for (std::size_t i = 0; i < r.buckets.size(); ++i) {
    const auto& b = r.buckets[i];
    if (i > 0)
      out += ',';
    out += '{';
    append_time(out, "start", b.start);
    out += ',';
    append_time(out, "end", b.end);
    out += ',';
    append_stats(out, b.stats);
    out += '}';
  }
  out += "]}";
  return out;
}

std::string sensor_body(const sensor_record& r) {
  std::string out;
  append_sensor(out, r, true);
  return out;
}

std::string sensors_body(const std::vector<sensor_record>& all) {
  std::string out = "{\"sensors\":[";
  for (std::size_t i = 0; i < all.size(); ++i) {
    if (i > 0)
      out += ',';
    append_sensor(out, all[i], false);
  }
  out += "]}";
  return out;
}

} // namespace aquad
