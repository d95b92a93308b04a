// SPDX-License-Identifier: MIT
#include "daemon/http_server.hpp"

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include <restinio/all.hpp>
#include <restinio/tls.hpp>

#include "common/errc.hpp"
#include "common/log.hpp"
#include "daemon/http_json.hpp"
#include "daemon/http_routes.hpp"

namespace aquad {

namespace {

// Counts open connections for http.max_connections: one more when a
// socket is admitted (before any TLS handshake), one fewer when RESTinio
// closes its connection. RESTinio's own limiter lives in its acceptor,
// which dies before the connections at shutdown (AddressSanitizer caught
// the use after free); counting "accepted" notices instead would miss
// TLS connections still in their handshake, which RESTinio reports only
// once it succeeds but reports closed either way. I/O thread only.
// How far past ingest.max_body a body is still read, to answer it 413.
constexpr std::uint64_t body_slack = 64 << 10;

struct connection_gate {
  std::size_t open = 0;
  std::size_t max = 0;
};

class connection_counter {
public:
  explicit connection_counter(std::shared_ptr<connection_gate> gate)
    : gate_(std::move(gate)) {}

  void state_changed(const restinio::connection_state::notice_t& n) noexcept {
    if (restinio::holds_alternative<restinio::connection_state::closed_t>(
          n.cause())
        && gate_->open > 0)
      --gate_->open;
  }

private:
  std::shared_ptr<connection_gate> gate_;
};

// Admits a socket while fewer than max_connections are open, and closes
// it at once otherwise: a flood gets closed sockets, not a growing backlog.
class connection_admission {
public:
  explicit connection_admission(std::shared_ptr<connection_gate> gate)
    : gate_(std::move(gate)) {}

  restinio::ip_blocker::inspection_result_t
  inspect(const restinio::ip_blocker::incoming_info_t&) noexcept {
    if (gate_->open >= gate_->max)
      return restinio::ip_blocker::deny();
    ++gate_->open;
    return restinio::ip_blocker::allow();
  }

private:
  std::shared_ptr<connection_gate> gate_;
};

// One I/O thread: the actors do the heavy work (docs/architecture.md).
struct traits : restinio::default_single_thread_traits_t {
  using connection_state_listener_t = connection_counter;
  using ip_blocker_t = connection_admission;
};

struct tls_traits
  : restinio::single_thread_tls_traits_t<restinio::asio_timer_manager_t,
                                         restinio::null_logger_t> {
  using connection_state_listener_t = connection_counter;
  using ip_blocker_t = connection_admission;
};

// A RESTinio server, plain or TLS, behind one face.
class listener {
public:
  virtual ~listener() = default;
  virtual void open() = 0;
  virtual void close() = 0;
};

template <class Traits>
class restinio_listener final : public listener {
public:
  template <class Configure>
  restinio_listener(asio::io_context& io, Configure&& configure)
    : server_(restinio::external_io_context(io),
              std::forward<Configure>(configure)) {}

  void open() override { server_.open_sync(); }
  void close() override { server_.close_sync(); }

private:
  restinio::http_server_t<Traits> server_;
};

// TLS 1.2 and later with the configured certificate chain and key.
// LIMITATION(#6): RESTinio 0.6 starts its timeouts only after the TLS
// handshake, so a client that connects and never finishes one holds its
// connection slot until it goes; http.max_connections bounds how many
// such clients there can be. Exposed to hostile networks, terminate TLS
// in a proxy. Goes when the handshake can be given a deadline.
asio::ssl::context make_tls_context(const config& cfg) {
  asio::ssl::context ctx{asio::ssl::context::tls_server};
  ctx.set_options(asio::ssl::context::default_workarounds
                  | asio::ssl::context::no_sslv2
                  | asio::ssl::context::no_sslv3
                  | asio::ssl::context::no_tlsv1
                  | asio::ssl::context::no_tlsv1_1
                  | asio::ssl::context::single_dh_use);
  ctx.use_certificate_chain_file(cfg.listen.tls_cert);
  ctx.use_private_key_file(cfg.listen.tls_key, asio::ssl::context::pem);
  return ctx;
}

const char* reason_phrase(int status) {
  switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 413: return "Payload Too Large";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Entity";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "Unknown";
  }
}

// Counts requests, and the bytes of their bodies, between arrival and the
// end of their response's write: to refuse work past the limits, and so
// that a drain can wait until every answer has left.
class inflight_counter {
public:
  /// Counts a request in; false when it finds the limits already reached.
  bool enter(std::size_t bytes, std::size_t max_count, std::size_t max_bytes) {
    std::lock_guard<std::mutex> guard{lock_};
    bool room = count_ < max_count && bytes_ + bytes <= max_bytes;
    ++count_;
    bytes_ += bytes;
    return room;
  }

  void leave(std::size_t bytes) {
    std::lock_guard<std::mutex> guard{lock_};
    bytes_ -= bytes;
    if (--count_ == 0)
      idle_.notify_all();
  }

  bool wait_idle(std::chrono::milliseconds grace) {
    std::unique_lock<std::mutex> guard{lock_};
    return idle_.wait_for(guard, grace, [this] { return count_ == 0; });
  }

private:
  std::mutex lock_;
  std::condition_variable idle_;
  std::size_t count_ = 0;
  std::size_t bytes_ = 0;
};

// Shared by the server and every pending response callback, which may
// outlive the server's I/O loop during shutdown.
struct edge_state {
  inflight_counter inflight;
  std::atomic<bool> draining{false};
  std::atomic<bool> closed{false};
};

void send(const std::shared_ptr<edge_state>& edge,
          const restinio::request_handle_t& req, http_response resp,
          std::size_t bytes) {
  if (edge->closed.load()) {
    edge->inflight.leave(bytes);
    return;
  }
  auto out = req->create_response(restinio::http_status_line_t{
    restinio::http_status_code_t{static_cast<std::uint16_t>(resp.status)},
    reason_phrase(resp.status)});
  out.append_header(restinio::http_field::content_type, resp.content_type);
  out.append_header(restinio::http_field::server, "aquad");
  for (auto& [name, value] : resp.headers)
    out.append_header(name, value);
  out.set_body(std::move(resp.body));
  out.done(
    [edge, bytes](const asio::error_code&) { edge->inflight.leave(bytes); });
}

} // namespace

struct http_server::impl {
  http_context ctx;
  http_router router;
  std::shared_ptr<edge_state> edge = std::make_shared<edge_state>();
  std::shared_ptr<connection_gate> gate = std::make_shared<connection_gate>();
  asio::io_context io;
  std::unique_ptr<listener> server;
  std::thread thread;

  explicit impl(http_context c) : ctx(c), router(std::move(c)) {}

  restinio::request_handling_status_t
  handle(const restinio::request_handle_t& req) {
    const auto& limits = ctx.cfg->http;
    auto bytes = req->body().size();
    bool room =
      edge->inflight.enter(bytes, limits.max_in_flight,
                           limits.max_in_flight_bytes);
    // Every answer is handed to the I/O loop, never written from inside
    // this handler: RESTinio 0.6 starts reading the connection's next
    // request twice when a response completes within the handler, and the
    // second start can reset the parser over a request already arriving
    // (docs/architecture.md, "One I/O thread").
    auto respond = [edge = edge, req, io = &io, bytes](http_response resp) {
      asio::post(*io, [edge, req, bytes, resp = std::move(resp)]() mutable {
        send(edge, req, std::move(resp), bytes);
      });
    };
    if (edge->draining.load()) {
      problem p{errc::shutting_down, "aquad is shutting down", {},
                std::nullopt};
      respond(http_response{503, "application/json", error_body(p), {}});
      return restinio::request_accepted();
    }
    // Past the in-flight limits a request is refused at once, so that
    // overload turns into quick 503s instead of queues that grow memory.
    if (!room) {
      ctx.stats->count_request("(edge)", req->header().method().c_str(), 503,
                               0);
      ctx.stats->count_reject("(edge)", to_string(errc::overloaded));
      problem p{errc::overloaded,
                "too many requests in flight; retry in a moment", {},
                std::nullopt};
      respond(http_response{503, "application/json", error_body(p),
                            {{"Retry-After", "1"}}});
      return restinio::request_accepted();
    }
    const auto& h = req->header();
    http_request_view view;
    std::string_view method = h.method().c_str();
    view.method = method;
    view.path = h.path();
    view.query = h.query();
    auto content_type = h.opt_value_of(restinio::http_field::content_type);
    if (content_type)
      view.content_type = *content_type;
    auto accept = h.opt_value_of(restinio::http_field::accept);
    if (accept)
      view.accept = *accept;
    auto authorization =
      h.opt_value_of(restinio::http_field::authorization);
    if (authorization)
      view.authorization = *authorization;
    auto host = h.opt_value_of(restinio::http_field::host);
    if (host)
      view.host = *host;
    view.tls = !ctx.cfg->listen.tls_cert.empty();
    view.body = req->body();
    // Nothing may escape into the server: an unexpected exception is a
    // bug, logged and answered as 500.
    try {
      router.handle(view, respond);
    } catch (const std::exception& e) {
      AQUAD_ERROR("http", "unexpected exception path=" << view.path
                                                       << " what=" << e.what());
      problem p{errc::internal, "internal error", {}, std::nullopt};
      respond(http_response{500, "application/json", error_body(p), {}});
    }
    return restinio::request_accepted();
  }
};

http_server::http_server(http_context ctx)
  : impl_(std::make_unique<impl>(std::move(ctx))) {}

http_server::~http_server() {
  stop();
}

caf::error http_server::start() {
  const auto& cfg = *impl_->ctx.cfg;
  auto* self = impl_.get();
  self->gate->max = cfg.http.max_connections;
  auto configure = [&](auto& settings) {
        using std::chrono::microseconds;
        settings.address(cfg.listen.address)
          .port(cfg.listen.port)
          .max_pipelined_requests(16)
          .connection_state_listener(
            std::make_shared<connection_counter>(self->gate))
          .ip_blocker(std::make_shared<connection_admission>(self->gate))
          .read_next_http_message_timelimit(
            microseconds{cfg.http.read_timeout})
          .write_http_response_timelimit(microseconds{cfg.http.write_timeout})
          .handle_request_timeout(std::chrono::seconds(60))
          .request_handler(
            [self](auto req) { return self->handle(req); });
        // LIMITATION(#6): RESTinio 0.6 closes the connection, without an
        // answer, on a body over its limit and on any request its parser
        // rejects (a URL or header over the limits, a raw space in the
        // target). 64 KiB over max_body leaves room to answer 413 to a
        // slightly long body. Bodies still arriving are RESTinio's, not
        // counted by max_in_flight_bytes: at worst max_connections of
        // them, each max_body + 64 KiB, for at most read_timeout. Goes
        // when the edge can refuse a body before reading it.
        settings.incoming_http_msg_limits(
          restinio::incoming_http_msg_limits_t{}
            .max_body_size(cfg.ingest.max_body + body_slack)
            .max_url_size(cfg.http.max_url)
            .max_field_name_size(cfg.http.max_header_bytes)
            .max_field_value_size(cfg.http.max_header_bytes)
            .max_field_count(cfg.http.max_headers));
  };
  bool tls = !cfg.listen.tls_cert.empty();
  try {
    if (tls)
      impl_->server = std::make_unique<restinio_listener<tls_traits>>(
        impl_->io, [&](auto& settings) {
          configure(settings);
          settings.tls_context(make_tls_context(cfg));
        });
    else
      impl_->server =
        std::make_unique<restinio_listener<traits>>(impl_->io, configure);
    impl_->server->open();
  } catch (const std::exception& e) {
    return make_error(errc::storage_unavailable,
                      "cannot listen on " + cfg.listen.address + ":"
                        + std::to_string(cfg.listen.port) + ": " + e.what());
  }
  impl_->thread = std::thread([self] { self->io.run(); });
  AQUAD_INFO("http", "listening address=" << cfg.listen.address
                                          << " port=" << cfg.listen.port
                                          << " tls=" << (tls ? "on" : "off"));
  return {};
}

void http_server::drain(std::chrono::milliseconds grace) {
  if (!impl_->server)
    return;
  impl_->edge->draining.store(true);
  asio::post(impl_->io, [self = impl_.get()] { self->server->close(); });
  if (!impl_->edge->inflight.wait_idle(grace))
    AQUAD_WARN("http", "shutdown grace over with requests still in flight");
}

void http_server::stop() {
  if (!impl_->thread.joinable())
    return;
  impl_->edge->closed.store(true);
  impl_->io.stop();
  impl_->thread.join();
}

} // namespace aquad
