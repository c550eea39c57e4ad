#include "hub/http/http_connection.hpp"

#include <optional>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include "hub/core/forwarded_client.hpp"
#include "hub/core/log.hpp"
#include "hub/core/no_throw.hpp"
#include "hub/core/open_connection_count.hpp"
#include "hub/http/http_api.hpp"
#include "hub/http/origin.hpp"
#include "hub/net/connection_stream.hpp"
#include "hub/session/ws_session.hpp"
#include "protocol/websocket_handshake.hpp"

namespace mi::hub {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {

// A year, as the HSTS preload list asks; sent only on the hub's own TLS responses (behind a
// proxy, the proxy owns the header).
constexpr std::string_view kStrictTransportSecurity = "max-age=31536000";

std::string_view header(const HttpRequest& request, http::field field) {
  auto value = request[field];
  return {value.data(), value.size()};
}

// Every value of a header the request repeats, in order.
std::vector<std::string_view> header_values(const HttpRequest& request, std::string_view name) {
  std::vector<std::string_view> values;
  auto [begin, end] = request.equal_range(beast::string_view(name.data(), name.size()));
  for (auto it = begin; it != end; ++it) values.emplace_back(it->value().data(), it->value().size());
  return values;
}

// The response refusing a bad upgrade request, or nothing when the request may upgrade.
std::optional<HttpResponse> websocket_upgrade_refusal(const HttpRequest& request) {
  using protocol::websocket::UpgradeCheck;
  switch (protocol::websocket::check_upgrade(header(request, http::field::sec_websocket_version),
                                             header(request, http::field::sec_websocket_key))) {
    case UpgradeCheck::accept:
      return std::nullopt;
    case UpgradeCheck::wrong_version: {
      auto response = json_error_response(request.version(), false, 426, "upgrade_required",
                                          "This hub speaks WebSocket version 13 only.");
      response.set(http::field::sec_websocket_version, "13");
      return response;
    }
    case UpgradeCheck::bad_key:
      break;
  }
  return json_error_response(request.version(), false, 400, "bad_request",
                             "The WebSocket upgrade needs a valid Sec-WebSocket-Key.");
}

// Who a connection is from, as docs/protocol.md section 5 finds it: the TCP peer, or the client a
// trusted proxy names (PROXY header once per connection, X-Forwarded-For on each request). The
// connection holds one of that client's --max-connections-per-address slots.
class ConnectionOrigin {
 public:
  ConnectionOrigin(HubContext& context, std::string peer)
      : context_(context), peer_(std::move(peer)), client_(peer_) {
    from_proxy_ = context.config.trusted_proxies.contains(peer_);
    // A direct client counts from its accept, so that its TLS handshakes count too.
    if (!from_proxy_) take_slot(client_);
  }

  // The PROXY header named the client (or, LOCAL, said the connection is the proxy's own).
  void proxied_by_header(const protocol::proxy::Header& header) {
    if (header.local || header.source_address.empty()) return;
    peer_ = client_ = normalized_address(header.source_address);
    from_proxy_ = context_.config.trusted_proxies.contains(peer_);
    if (!from_proxy_) take_slot(client_);
  }

  // A request's own view: a trusted proxy may name another client on each request it forwards.
  void on_request(const HttpRequest& request) {
    forwarded_https_ = false;
    if (!from_proxy_) return;
    const auto& trusted = context_.config.trusted_proxies;
    auto forwarded_for = header_values(request, "X-Forwarded-For");
    auto client = forwarded_client(peer_, forwarded_for, trusted);
    auto proto = forwarded_proto(peer_, header_values(request, "X-Forwarded-Proto"), trusted);
    forwarded_https_ = proto && *proto == "https";
    // A proxy's own request (a health check) names no client: it holds no slot.
    if (forwarded_for.empty()) {
      client_ = peer_;
      slot_.release();
      over_limit_ = false;
      slot_address_.clear();
      return;
    }
    client_ = std::move(client);
    if (client_ != slot_address_) take_slot(client_);
  }

  const std::string& client() const { return client_; }
  bool over_limit() const { return over_limit_; }
  bool forwarded_https() const { return forwarded_https_; }
  ConnectionsPerAddress::Slot take_slot_for_session() { return std::move(slot_); }

 private:
  void take_slot(const std::string& address) {
    slot_.release();
    slot_ = context_.connections_per_address.try_acquire(address);
    over_limit_ = !slot_.held();
    slot_address_ = address;
  }

  HubContext& context_;
  std::string peer_;    // the TCP peer, or the PROXY header's source
  std::string client_;  // the client of the current request
  bool from_proxy_ = false;
  bool forwarded_https_ = false;
  bool over_limit_ = false;
  ConnectionsPerAddress::Slot slot_;
  std::string slot_address_;
};

}  // namespace

asio::awaitable<void> serve_connection(Shard& shard, Shard::Socket socket, asio::ip::tcp::endpoint peer) {
  auto& context = shard.context();
  const auto& config = context.config;
  auto& metrics = context.metrics;
  OpenConnectionCount open_count(metrics);
  boost::system::error_code option_error;
  socket.set_option(asio::ip::tcp::no_delay(true), option_error);
  // Set once here for the socket's life: Asio then needs no call of its own to make it
  // non-blocking for the HTTP requests, nor the WebSocket session another.
  socket.non_blocking(true, option_error);

  net::ConnectionStream stream(std::move(socket));
  ConnectionOrigin origin(context, normalized_address(peer.address().to_string()));
  auto give_up = [&stream] { stream.transport().close(); };

  if (config.proxy_protocol) {
    stream.expires_after(config.proxy_header_timeout);
    auto outcome = co_await stream.read_proxy_header(config.trusted_proxies.contains(origin.client()));
    if (outcome.kind == net::ProxyHeaderOutcome::Kind::refused) {
      metrics.proxy_header_refusals.fetch_add(1, std::memory_order_relaxed);
      log::info("closing a connection from ", origin.client(), ": ", outcome.why);
      give_up();
      co_return;
    }
    if (outcome.kind == net::ProxyHeaderOutcome::Kind::present) origin.proxied_by_header(outcome.header);
  }

  if (context.tls) {
    stream.expires_after(config.tls_handshake_timeout);
    auto error = co_await stream.tls_handshake(context.tls->new_connection());
    if (error) {
      metrics.tls_handshake_failures.fetch_add(1, std::memory_order_relaxed);
      log::debug("TLS handshake with ", origin.client(), " failed: ", error.message());
      give_up();
      co_return;
    }
    metrics.tls_handshakes.fetch_add(1, std::memory_order_relaxed);
  }
  const bool secure = stream.transport().secure();

  // Every write has a deadline: a peer that does not take the response in time is cut off.
  auto respond = [&](HttpResponse& response) -> asio::awaitable<boost::system::error_code> {
    if (secure) response.set(http::field::strict_transport_security, kStrictTransportSecurity);
    stream.expires_after(config.write_timeout);
    auto [error, written] = co_await http::async_write(stream, response, kNoThrow);
    co_return error;
  };

  beast::flat_buffer buffer;
  std::optional<http::request<http::string_body>> upgrade;
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(config.max_http_body_bytes);
    parser.header_limit(static_cast<std::uint32_t>(config.max_http_header_bytes));
    stream.expires_after(config.http_idle_timeout);
    auto [read_error, read_bytes] = co_await http::async_read(stream, buffer, parser, kNoThrow);
    if (read_error == http::error::end_of_stream || read_error == asio::error::operation_aborted ||
        read_error == beast::error::timeout || read_error == asio::error::connection_reset ||
        read_error == asio::error::eof) {
      break;
    }
    if (read_error) {
      unsigned status = 400;
      std::string code = "bad_request";
      std::string message = "The request is not valid HTTP/1.1.";
      if (read_error == http::error::body_limit) {
        status = 413;
        code = "payload_too_large";
        message = "The request body is larger than " + std::to_string(config.max_http_body_bytes) + " bytes.";
      } else if (read_error == http::error::header_limit) {
        status = 431;
        code = "headers_too_large";
        message = "The request headers are larger than " + std::to_string(config.max_http_header_bytes) + " bytes.";
      }
      metrics.http_errors.fetch_add(1, std::memory_order_relaxed);
      auto response = json_error_response(kHttp11, false, status, code, message);
      co_await respond(response);
      break;
    }

    auto request = parser.release();
    origin.on_request(request);
    if (origin.over_limit()) {
      metrics.connections_over_address_limit.fetch_add(1, std::memory_order_relaxed);
      metrics.http_errors.fetch_add(1, std::memory_order_relaxed);
      log::info("refused a connection from ", origin.client(), ": over --max-connections-per-address (",
                config.max_connections_per_address, ")");
      auto response = json_error_response(request.version(), false, 429, "too_many_connections",
                                          "This address holds " + std::to_string(config.max_connections_per_address) +
                                              " connections to the hub already, the most it may; close one first.");
      co_await respond(response);
      break;
    }
    std::string_view target(request.target().data(), request.target().size());
    bool is_ws_path = target == "/v1/ws" || target.starts_with("/v1/ws?");
    if (is_ws_path && beast::websocket::is_upgrade(request)) {
      auto origin_header = request[http::field::origin];
      auto host = request[http::field::host];
      if (!origin_header.empty() &&
          !origin_allowed(config, context.public_url, std::string_view(origin_header.data(), origin_header.size()),
                          std::string_view(host.data(), host.size()))) {
        log::info("refused a WebSocket from origin ", std::string_view(origin_header.data(), origin_header.size()));
        auto response = json_error_response(request.version(), false, 403, "forbidden_origin",
                                            "WebSocket connections from this origin are not allowed.");
        metrics.http_errors.fetch_add(1, std::memory_order_relaxed);
        co_await respond(response);
        break;
      }
      if (auto refusal = websocket_upgrade_refusal(request)) {
        metrics.http_errors.fetch_add(1, std::memory_order_relaxed);
        co_await respond(*refusal);
        break;
      }
      upgrade = std::move(request);
      break;
    }

    RequestSource source{origin.client(), secure || origin.forwarded_https()};
    auto response = co_await handle_http_request(shard, request, source);
    bool keep_alive = response.keep_alive();
    if (co_await respond(response) || !keep_alive) break;
  }
  if (upgrade) {
    // The session lives on its own, so that nothing of this coroutine (the HTTP parser, buffers,
    // the deadline's timer) outlives the upgrade.
    auto response = protocol::websocket::upgrade_response(header(*upgrade, http::field::sec_websocket_key));
    std::string early_bytes(static_cast<const char*>(buffer.data().data()), buffer.size());
    auto session = std::make_shared<WsSession>(shard, stream.release(), origin.client(), std::move(early_bytes),
                                                origin.take_slot_for_session());
    session->start(std::move(response));
    co_return;
  }
  stream.transport().shutdown_send();
  give_up();
}

}  // namespace mi::hub
