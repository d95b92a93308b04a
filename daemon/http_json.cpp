// SPDX-License-Identifier: MIT
#include "daemon/http_json.hpp"

#include "common/json_text.hpp"

#include <charconv>

namespace aquad {

namespace {

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
  out += '"';
  append_json_escaped(out, text);
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
