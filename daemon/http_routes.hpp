// SPDX-License-Identifier: MIT
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "daemon/http_server.hpp"

namespace aquad {

/// The parts of an HTTP request that routing reads. Views into the
/// server's request; valid only during `http_router::handle`.
struct http_request_view {
  std::string_view method;
  std::string_view path;
  std::string_view query;
  std::string_view content_type;
  std::string_view accept;
  std::string_view authorization;
  std::string_view host; ///< the Host header
  bool tls = false;      ///< arrived over HTTPS
  std::string_view body;
};

/// A complete answer.
struct http_response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

/// Sends the answer. Called exactly once per request, from any thread.
using respond_fn = std::function<void(http_response)>;

/// Maps requests to handlers: validates them, hands jobs to the actors and
/// turns their replies (or any problem) into responses. Knows nothing of
/// the HTTP library, so tests drive it directly. Thread-safe after
/// construction.
class http_router {
public:
  explicit http_router(http_context ctx);

  void handle(const http_request_view& req, respond_fn respond);

  /// A matched route (defined in the source file).
  struct route;

private:

  void post_measurements(const route& r, const http_request_view& req,
                         respond_fn respond);
  void get_query(const route& r, const http_request_view& req,
                 respond_fn respond);

  http_context ctx_;
};

} // namespace aquad
