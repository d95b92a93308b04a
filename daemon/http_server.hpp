// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>
#include <functional>
#include <memory>

#include <caf/actor.hpp>
#include <caf/error.hpp>

#include "common/metrics.hpp"
#include "config/config.hpp"

namespace aquad {

/// What the HTTP edge needs: the configuration, the actors it forwards to,
/// the shared metrics, and the clock.
struct http_context {
  std::shared_ptr<const config> cfg;
  caf::actor ingest;
  caf::actor router;
  std::shared_ptr<metrics> stats;
  std::function<micros()> now;
};

/// The HTTP edge: a RESTinio server on one I/O thread of its own. Handlers
/// parse and validate on that thread, hand a job to an actor, and return;
/// the actor's reply completes the response from the actor's thread. Owned
/// by main; `start` and the stop calls come from the same thread.
class http_server {
public:
  explicit http_server(http_context ctx);
  ~http_server();

  http_server(const http_server&) = delete;
  http_server& operator=(const http_server&) = delete;

  /// Binds `listen.address:listen.port` and serves on a new thread.
  caf::error start();

  /// Stops accepting connections, answers new requests with 503, and waits
  /// up to `grace` for requests in flight to be answered.
  void drain(std::chrono::milliseconds grace);

  /// Stops the I/O thread. Responses not yet written are dropped.
  void stop();

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace aquad
