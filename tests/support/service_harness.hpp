// SPDX-License-Identifier: MIT
#pragma once

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <string>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/send.hpp>
#include <nlohmann/json.hpp>

#include "actors/downsampler.hpp"
#include "actors/ingest.hpp"
#include "actors/query_router.hpp"
#include "daemon/http_routes.hpp"
#include "support/temp_dir.hpp"

namespace aquad::test {

/// The whole service in one process, minus the socket: the HTTP router,
/// the ingest actor and the query router over a real backend, with a clock
/// the test sets. Requests go in as method, target and body; answers come
/// back parsed. Aging runs when the test calls `age`.
class service_harness {
public:
  struct reply {
    int status = 0;
    std::string text;
    nlohmann::json json;
    std::vector<std::pair<std::string, std::string>> headers;
  };

  explicit service_harness(config cfg = {},
                           micros start = default_now())
    : now(start) {
    cfg.storage.path = dir_.path() + "/store";
    cfg.storage.map_size = 256ULL << 20;
    cfg_ = std::make_shared<const config>(cfg);
    auto b = open_backend(*cfg_);
    REQUIRE(b);
    backend = std::move(*b);
    age();
    // The system keeps a reference to its configuration.
    sys_ = std::make_unique<caf::actor_system>(sys_cfg_);
    ingest_ = spawn_ingest(*sys_, backend, stats);
    router_ = spawn_query_router(*sys_, backend, 2);
    edge_ = std::make_unique<http_router>(http_context{
      cfg_, ingest_, router_, stats, [this] { return now.load(); }});
  }

  ~service_harness() {
    caf::anon_send_exit(ingest_, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(router_, caf::exit_reason::user_shutdown);
    sys_->await_all_actors_done();
  }

  /// 2026-12-04T12:00:07.250Z: not aligned to any bucket edge.
  static micros default_now() {
    return *parse_timestamp("2026-12-04T12:00:07.250Z");
  }

  reply request(const std::string& method, const std::string& target,
                const std::string& body = {},
                const std::string& content_type = "application/json",
                const std::string& accept = {},
                const std::string& authorization = {}) {
    auto q = target.find('?');
    http_request_view view;
    view.method = method;
    view.path = std::string_view{target}.substr(0, q);
    view.query = q == std::string::npos ? std::string_view{}
                                        : std::string_view{target}.substr(q + 1);
    view.content_type = content_type;
    view.accept = accept;
    view.authorization = authorization;
    view.body = body;
    auto promise = std::make_shared<std::promise<http_response>>();
    auto answered = promise->get_future();
    edge_->handle(view, [promise](http_response r) {
      promise->set_value(std::move(r));
    });
    REQUIRE(answered.wait_for(std::chrono::seconds(30))
            == std::future_status::ready);
    auto resp = answered.get();
    reply out{resp.status, resp.body, {}, resp.headers};
    if (resp.content_type == "application/json" && !resp.body.empty())
      out.json = nlohmann::json::parse(resp.body);
    return out;
  }

  reply post(const nlohmann::json& body) {
    return request("POST", "/measurements", body.dump());
  }

  reply get(const std::string& target) {
    return request("GET", target);
  }

  /// Runs the downsampler's work for the current clock.
  rollup_report age() {
    auto r = run_rollup(*backend, now.load(), cfg_->rollup.minute_tier);
    REQUIRE(r);
    return *r;
  }

  const config& cfg() const { return *cfg_; }

  std::atomic<micros> now;
  std::shared_ptr<storage_backend> backend;
  std::shared_ptr<metrics> stats = std::make_shared<metrics>();

private:
  temp_dir dir_;
  std::shared_ptr<const config> cfg_;
  caf::actor_system_config sys_cfg_;
  std::unique_ptr<caf::actor_system> sys_;
  caf::actor ingest_;
  caf::actor router_;
  std::unique_ptr<http_router> edge_;
};

/// A measurement as the simulator would post it.
inline nlohmann::json reading(const std::string& id, micros t, double temp,
                              double cond = 1500) {
  return {{"sensor_id", id},
          {"timestamp", format_timestamp(t)},
          {"temperature", temp},
          {"conductivity", cond}};
}

} // namespace aquad::test
