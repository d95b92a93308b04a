// SPDX-License-Identifier: MIT
#include "daemon/http_routes.hpp"

#include <caf/send.hpp>

#include "actors/messages.hpp"
#include "actors/rollup.hpp"
#include "common/log.hpp"
#include "daemon/http_csv.hpp"
#include "daemon/http_json.hpp"
#include "daemon/http_parse.hpp"
#include "daemon/openapi.hpp"

namespace aquad {

namespace {

enum class route_kind {
  none,
  measurements,
  sensors,
  sensor,
  sensor_raw,
  sensor_stats,
  health,
  metrics,
  openapi,
};

using clock = std::chrono::steady_clock;

} // namespace

/// A matched route: its template (the metrics label), the one method it
/// takes, and the sensor id when the path holds one.
struct http_router::route {
  route_kind kind = route_kind::none;
  const char* name = "unmatched";
  const char* method = "";
  std::string sensor_id;
};

namespace {

using route = http_router::route; // NOLINT: private type, local alias

http_router::route match(std::string_view path) {
  if (path.size() > 1 && path.back() == '/')
    path.remove_suffix(1);
  if (path == "/measurements")
    return {route_kind::measurements, "/measurements", "POST", {}};
  if (path == "/sensors")
    return {route_kind::sensors, "/sensors", "GET", {}};
  if (path == "/health")
    return {route_kind::health, "/health", "GET", {}};
  if (path == "/metrics")
    return {route_kind::metrics, "/metrics", "GET", {}};
  if (path == "/openapi.yaml")
    return {route_kind::openapi, "/openapi.yaml", "GET", {}};
  constexpr std::string_view prefix = "/sensors/";
  if (path.substr(0, prefix.size()) != prefix)
    return {};
  auto rest = path.substr(prefix.size());
  auto slash = rest.find('/');
  auto id = percent_decode(rest.substr(0, slash));
  if (!id || id->empty())
    return {};
  if (slash == std::string_view::npos)
    return {route_kind::sensor, "/sensors/{id}", "GET", *id};
  auto tail = rest.substr(slash + 1);
  if (tail == "measurements")
    return {route_kind::sensor_raw, "/sensors/{id}/measurements", "GET", *id};
  if (tail == "stats")
    return {route_kind::sensor_stats, "/sensors/{id}/stats", "GET", *id};
  return {};
}

bool is_json(std::string_view content_type) {
  auto semi = content_type.find(';');
  auto type = content_type.substr(0, semi);
  while (!type.empty() && (type.back() == ' ' || type.back() == '\t'))
    type.remove_suffix(1);
  while (!type.empty() && (type.front() == ' ' || type.front() == '\t'))
    type.remove_prefix(1);
  constexpr std::string_view want = "application/json";
  if (type.size() != want.size())
    return false;
  for (std::size_t i = 0; i < want.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(type[i])) != want[i])
      return false;
  return true;
}

http_response json_response(int status, std::string body) {
  http_response r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

// Whether an Accept header prefers CSV: text/csv with a quality above
// that of JSON (application/json, application/*, */*); case-insensitive.
bool prefers_csv(std::string_view accept) {
  double csv = 0, json = 0;
  while (!accept.empty()) {
    auto comma = accept.find(',');
    auto item = accept.substr(0, comma);
    accept = comma == std::string_view::npos ? std::string_view{}
                                             : accept.substr(comma + 1);
    auto semi = item.find(';');
    std::string type;
    for (char c : item.substr(0, semi))
      if (c != ' ' && c != '\t')
        type += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    double q = 1;
    if (semi != std::string_view::npos) {
      auto params = item.substr(semi);
      auto pos = params.find("q=");
      if (pos != std::string_view::npos)
        q = std::atof(std::string{params.substr(pos + 2)}.c_str());
    }
    if (type == "text/csv")
      csv = std::max(csv, q);
    else if (type == "application/json" || type == "application/*"
             || type == "*/*")
      json = std::max(json, q);
  }
  return csv > 0 && csv > json;
}

http_response csv_response(std::string body) {
  http_response r;
  r.content_type = "text/csv; charset=utf-8";
  r.body = std::move(body);
  return r;
}

double seconds_since(clock::time_point t) {
  return std::chrono::duration<double>(clock::now() - t).count();
}

// Wraps `respond` so that every answer is counted under its route and
// timed, and every problem is counted as a reject with its code.
respond_fn counted(const http_context& ctx, const route& r,
                   const http_request_view& req, respond_fn respond) {
  auto started = clock::now();
  std::string path;
  if (ctx.cfg->log.access)
    path = std::string{req.path}
           + (req.query.empty() ? "" : "?" + std::string{req.query});
  return [stats = ctx.stats, name = r.name, method = std::string{req.method},
          started, post = r.kind == route_kind::measurements,
          access = ctx.cfg->log.access, path = std::move(path),
          respond = std::move(respond)](http_response resp) {
    auto seconds = seconds_since(started);
    stats->count_request(name, method, resp.status, seconds);
    (post ? stats->ingest_latency : stats->query_latency).observe(seconds);
    if (access)
      AQUAD_INFO("http", "access method=" << method << " path=" << path
                                          << " route=" << name
                                          << " status=" << resp.status
                                          << " bytes=" << resp.body.size()
                                          << " ms=" << seconds * 1000);
    respond(std::move(resp));
  };
}

void fail(const http_context& ctx, const route& r, const respond_fn& respond,
          const problem& p) {
  ctx.stats->count_reject(r.name, to_string(p.code));
  if (p.code == errc::internal)
    AQUAD_ERROR("http", "internal failure route=" << r.name
                                                  << " message=" << p.message);
  respond(json_response(http_status(p.code), error_body(p)));
}

// Compares without stopping at the first difference, so that the time
// taken says nothing about how much of a guess was right.
bool same_secret(std::string_view a, std::string_view b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  auto n = std::max(a.size(), b.size());
  for (std::size_t i = 0; i < n; ++i) {
    auto x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    auto y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    diff |= static_cast<unsigned char>(x ^ y);
  }
  return diff == 0;
}

// The problem that keeps `req` from `r`, if any: 401 without a known
// token, 403 with one lacking the scope. /health and /openapi.yaml are
// always open, /metrics when auth.metrics is open.
std::optional<problem> access_problem(const config& cfg, const route& r,
                                      const http_request_view& req) {
  const auto& auth = cfg.auth;
  if (auth.tokens.empty() || r.kind == route_kind::health
      || r.kind == route_kind::openapi
      || (r.kind == route_kind::metrics && auth.metrics_open))
    return std::nullopt;
  constexpr std::string_view scheme = "bearer ";
  std::string_view given = req.authorization;
  bool bearer = given.size() > scheme.size();
  for (std::size_t i = 0; bearer && i < scheme.size(); ++i)
    bearer = std::tolower(static_cast<unsigned char>(given[i])) == scheme[i];
  if (!bearer)
    return problem{errc::unauthorized,
                   "send Authorization: Bearer <token>", {}, std::nullopt};
  given.remove_prefix(scheme.size());
  while (!given.empty() && (given.front() == ' ' || given.front() == '\t'))
    given.remove_prefix(1);
  while (!given.empty() && (given.back() == ' ' || given.back() == '\t'))
    given.remove_suffix(1);
  bool known = false, read = false, write = false;
  for (const auto& t : auth.tokens) {
    bool match = same_secret(given, t.secret);
    known |= match;
    read |= match && t.read;
    write |= match && t.write;
  }
  if (!known)
    return problem{errc::unauthorized, "the token is not valid", {},
                   std::nullopt};
  // Routes that do not exist need some valid token, so that 404 and 405
  // tell nothing about the API to a client without one.
  if (r.kind == route_kind::none)
    return std::nullopt;
  bool needs_write = r.kind == route_kind::measurements;
  if (needs_write ? !write : !read)
    return problem{errc::forbidden,
                   std::string{"the token lacks the "}
                     + (needs_write ? "write" : "read") + " scope",
                   {}, std::nullopt};
  return std::nullopt;
}

// Reads work whenever this answers; `writes` says whether they do too.
// The OpenAPI document with its server set to where it was fetched from,
// so that Postman's Import -> Link targets this aquad, port and scheme.
std::string openapi_for(const http_request_view& req) {
  std::string doc{openapi_yaml()};
  constexpr std::string_view placeholder = "- url: http://127.0.0.1:5000";
  bool plain = !req.host.empty() && req.host.size() < 256;
  for (char c : req.host)
    plain = plain && (std::isalnum(static_cast<unsigned char>(c)) || c == '.'
                      || c == '-' || c == ':' || c == '[' || c == ']');
  auto at = doc.find(placeholder);
  if (plain && at != std::string::npos)
    doc.replace(at, placeholder.size(),
                std::string{"- url: "} + (req.tls ? "https://" : "http://")
                  + std::string{req.host});
  return doc;
}

std::string health_body(const store_status& st, const char* backend,
                        bool writes_failing) {
  std::string out = "{\"status\":\"ok\",\"backend\":";
  append_json_string(out, backend);
  out += ",\"writes\":";
  out += st.read_only      ? "\"read-only\""
         : writes_failing ? "\"failing\""
                          : "\"ok\"";
  out += ",\"sensors\":" + std::to_string(st.sensors);
  out += ",\"minute_tier_start\":\"" + format_timestamp(st.watermark) + "\"";
  out += "}";
  return out;
}

store_gauges gauges_of(const store_status& st, micros now,
                       micros minute_tier) {
  store_gauges g;
  auto due = rollup_target(now, minute_tier);
  g.rollup_lag_seconds =
    static_cast<double>(std::max<micros>(due - st.watermark, 0))
    / usec_per_sec;
  g.minute_buckets = st.minute_buckets;
  g.five_minute_buckets = st.five_minute_buckets;
  g.backend_size_bytes = st.size_bytes;
  g.sensors = st.sensors;
  if (st.oldest_minute_bucket)
    g.minute_tier_oldest_age_seconds =
      static_cast<double>(std::max<micros>(now - *st.oldest_minute_bucket, 0))
      / usec_per_sec;
  return g;
}

} // namespace

http_router::http_router(http_context ctx) : ctx_(std::move(ctx)) {}

void http_router::handle(const http_request_view& original,
                         respond_fn respond) {
  // HEAD is GET without the body (load balancers probe with it).
  auto req = original;
  if (req.method == "HEAD") {
    req.method = "GET";
    respond = [respond = std::move(respond)](http_response resp) {
      resp.body.clear();
      respond(std::move(resp));
    };
  }
  auto r = match(req.path);
  respond = counted(ctx_, r, req, std::move(respond));
  if (auto p = access_problem(*ctx_.cfg, r, req)) {
    ctx_.stats->count_reject(r.name, to_string(p->code));
    auto resp = json_response(http_status(p->code), error_body(*p));
    if (p->code == errc::unauthorized)
      resp.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"aquad\"");
    respond(std::move(resp));
    return;
  }
  if (r.kind == route_kind::none) {
    fail(ctx_, r, respond,
         {errc::not_found,
          "no route " + std::string{req.method} + " " + std::string{req.path},
          {}, std::nullopt});
    return;
  }
  if (req.method != r.method) {
    ctx_.stats->count_reject(r.name, to_string(errc::method_not_allowed));
    auto resp = json_response(
      405, error_body({errc::method_not_allowed,
                       std::string{r.name} + " takes " + r.method + " only",
                       {}, std::nullopt}));
    resp.headers.emplace_back("Allow", r.method);
    respond(std::move(resp));
    return;
  }
  if (r.kind == route_kind::measurements) {
    post_measurements(r, req, std::move(respond));
  } else if (r.kind == route_kind::openapi) {
    http_response resp;
    resp.content_type = "application/yaml";
    resp.body = openapi_for(req);
    respond(std::move(resp));
  } else {
    get_query(r, req, std::move(respond));
  }
}

void http_router::post_measurements(const route& r,
                                    const http_request_view& req,
                                    respond_fn respond) {
  const auto& cfg = *ctx_.cfg;
  if (!is_json(req.content_type))
    return fail(ctx_, r, respond,
                {errc::unsupported_media_type,
                 "Content-Type must be application/json", {}, std::nullopt});
  if (req.body.size() > cfg.ingest.max_body)
    return fail(ctx_, r, respond,
                {errc::body_too_large,
                 "the body exceeds ingest.max_body ("
                   + std::to_string(cfg.ingest.max_body) + " bytes)",
                 {}, std::nullopt});
  auto decoded = decode_measurements(req.body, cfg, ctx_.now());
  if (auto* p = std::get_if<problem>(&decoded))
    return fail(ctx_, r, respond, *p);

  auto request = std::get<ingest_request>(std::move(decoded));
  std::optional<measurement> single;
  if (!request.batch)
    single = request.points.front();
  auto ctx = ctx_;
  auto job = std::make_shared<ingest_job>(
    std::move(request),
    [ctx, r, single, respond = std::move(respond)](ingest_outcome out) {
      if (out.error)
        return fail(ctx, r, respond, *out.error);
      if (!single)
        return respond(
          json_response(201, batch_body(out.accepted, out.duplicates)));
      auto echo = *single;
      if (out.stored) {
        echo.temperature_c = out.stored->temperature_c;
        echo.conductivity_us_cm = out.stored->conductivity_us_cm;
      }
      respond(json_response(201, stored_body(echo, out.duplicates > 0)));
    });
  caf::anon_send(ctx_.ingest, std::move(job));
}

void http_router::get_query(const route& r, const http_request_view& req,
                            respond_fn respond) {
  auto params = parse_query_string(req.query);
  if (auto* p = std::get_if<problem>(&params))
    return fail(ctx_, r, respond, *p);
  auto& kv = std::get<0>(params);
  auto now = ctx_.now();
  // CSV for spreadsheets: format=csv, or an Accept header asking for it.
  bool csv = prefers_csv(req.accept);
  if (auto it = kv.find("format"); it != kv.end()
      && (r.kind == route_kind::sensor_raw
          || r.kind == route_kind::sensor_stats)) {
    if (it->second != "csv" && it->second != "json")
      return fail(ctx_, r, respond,
                  {errc::invalid_query, "format must be json or csv",
                   "format", std::nullopt});
    csv = it->second == "csv";
    kv.erase(it);
  }

  query q;
  switch (r.kind) {
    case route_kind::sensor_raw: {
      auto decoded = decode_raw_query(r.sensor_id, kv, now);
      if (auto* p = std::get_if<problem>(&decoded))
        return fail(ctx_, r, respond, *p);
      q = std::get<raw_request>(std::move(decoded));
      break;
    }
    case route_kind::sensor_stats: {
      auto decoded = decode_stats_query(r.sensor_id, kv, *ctx_.cfg, now);
      if (auto* p = std::get_if<problem>(&decoded))
        return fail(ctx_, r, respond, *p);
      q = std::get<stats_request>(std::move(decoded));
      break;
    }
    case route_kind::sensor:
    case route_kind::sensors:
      // These take no parameters; a stray one is likely a mistake.
      if (!kv.empty())
        return fail(ctx_, r, respond,
                    {errc::invalid_query,
                     "unknown query parameter " + kv.begin()->first,
                     kv.begin()->first, std::nullopt});
      if (r.kind == route_kind::sensor)
        q = sensor_lookup{r.sensor_id};
      else
        q = sensor_listing{};
      break;
    default:
      q = store_status_request{};
      break;
  }

  auto ctx = ctx_;
  auto asked = q;
  auto job = std::make_shared<query_job>(std::move(q), [ctx, r, asked, csv,
                                                        respond = std::move(
                                                          respond)](
                                                         query_reply reply) {
    if (!reply) {
      auto p = to_problem(reply.error());
      if (r.kind == route_kind::health) {
        ctx.stats->count_reject(r.name, to_string(p.code));
        return respond(json_response(
          503, "{\"status\":\"unavailable\"," + error_body(p).substr(1)));
      }
      return fail(ctx, r, respond, p);
    }
    auto& answer = *reply;
    switch (r.kind) {
      case route_kind::sensor_raw: {
        const auto& res = std::get<raw_result>(answer);
        std::optional<std::string> next;
        if (res.more)
          next = encode_cursor(std::get<raw_request>(asked),
                               res.points.back().time);
        if (!csv)
          return respond(json_response(200, raw_body(res, next)));
        auto resp = csv_response(raw_csv(res));
        if (next)
          resp.headers.emplace_back(
            "Link", "</sensors/" + res.sensor_id
                      + "/measurements?format=csv&limit="
                      + std::to_string(std::get<raw_request>(asked).limit)
                      + "&cursor=" + *next + ">; rel=\"next\"");
        return respond(std::move(resp));
      }
      case route_kind::sensor_stats: {
        const auto& res = std::get<stats_result>(answer);
        return respond(csv ? csv_response(stats_csv(res))
                           : json_response(200, stats_body(res)));
      }
      case route_kind::sensor:
        return respond(
          json_response(200, sensor_body(std::get<sensor_record>(answer))));
      case route_kind::sensors:
        return respond(json_response(
          200, sensors_body(std::get<std::vector<sensor_record>>(answer))));
      case route_kind::health:
        return respond(json_response(
          200, health_body(std::get<store_status>(answer),
                           ctx.cfg->storage.backend.c_str(),
                           ctx.stats->writes_failing.load())));
      default: {
        http_response resp;
        resp.content_type = "text/plain; version=0.0.4; charset=utf-8";
        resp.body = ctx.stats->render(
          gauges_of(std::get<store_status>(answer), ctx.now(),
                    ctx.cfg->rollup.minute_tier));
        return respond(std::move(resp));
      }
    }
  });
  caf::anon_send(ctx_.router, std::move(job));
}

} // namespace aquad
