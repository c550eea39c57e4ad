#include "hub/http/http_connection.hpp"

#include <optional>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/basic_stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include "hub/http/http_api.hpp"
#include "hub/http/origin.hpp"
#include "hub/core/log.hpp"
#include "hub/core/no_throw.hpp"
#include "hub/core/open_connection_count.hpp"
#include "hub/session/ws_session.hpp"
#include "protocol/websocket_handshake.hpp"

namespace mi::hub {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {

// On the shard's own executor type, so that the socket passes to a WebSocket session as it is.
using HttpStream = beast::basic_stream<asio::ip::tcp, asio::io_context::executor_type>;

// Every write has a deadline: a peer that does not take the response in time is cut off.
asio::awaitable<boost::system::error_code> write_with_deadline(HttpStream& stream, HttpResponse& response,
                                                               Duration timeout) {
  stream.expires_after(timeout);
  auto [error, written] = co_await http::async_write(stream, response, kNoThrow);
  co_return error;
}

std::string_view header(const HttpRequest& request, http::field field) {
  auto value = request[field];
  return {value.data(), value.size()};
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

}  // namespace

asio::awaitable<void> serve_connection(Shard& shard, Shard::Socket socket, asio::ip::tcp::endpoint peer) {
  auto& context = shard.context();
  const auto& config = context.config;
  OpenConnectionCount open_count(context.metrics);
  std::string remote_address = peer.address().to_string();
  boost::system::error_code option_error;
  socket.set_option(asio::ip::tcp::no_delay(true), option_error);
  // Set once here for the socket's life: Asio then needs no call of its own to make it
  // non-blocking for the HTTP requests, nor the WebSocket session another.
  socket.non_blocking(true, option_error);

  HttpStream stream(std::move(socket));
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
      context.metrics.http_errors.fetch_add(1, std::memory_order_relaxed);
      auto response = json_error_response(kHttp11, false, status, code, message);
      co_await write_with_deadline(stream, response, config.write_timeout);
      break;
    }

    auto request = parser.release();
    std::string_view target(request.target().data(), request.target().size());
    bool is_ws_path = target == "/v1/ws" || target.starts_with("/v1/ws?");
    if (is_ws_path && beast::websocket::is_upgrade(request)) {
      auto origin = request[http::field::origin];
      auto host = request[http::field::host];
      if (!origin.empty() && !origin_allowed(config, context.public_url, std::string_view(origin.data(), origin.size()),
                                             std::string_view(host.data(), host.size()))) {
        log::info("refused a WebSocket from origin ", std::string_view(origin.data(), origin.size()));
        auto response = json_error_response(request.version(), false, 403, "forbidden_origin",
                                            "WebSocket connections from this origin are not allowed.");
        context.metrics.http_errors.fetch_add(1, std::memory_order_relaxed);
        co_await write_with_deadline(stream, response, config.write_timeout);
        break;
      }
      if (auto refusal = websocket_upgrade_refusal(request)) {
        context.metrics.http_errors.fetch_add(1, std::memory_order_relaxed);
        co_await write_with_deadline(stream, *refusal, config.write_timeout);
        break;
      }
      upgrade = std::move(request);
      break;
    }

    auto response = co_await handle_http_request(shard, request, remote_address);
    bool keep_alive = response.keep_alive();
    if (co_await write_with_deadline(stream, response, config.write_timeout) || !keep_alive) break;
  }
  if (upgrade) {
    // The session lives on its own, so that nothing of this coroutine (the HTTP parser, buffers,
    // the stream's timer) outlives the upgrade.
    auto response = protocol::websocket::upgrade_response(header(*upgrade, http::field::sec_websocket_key));
    std::string early_bytes(static_cast<const char*>(buffer.data().data()), buffer.size());
    stream.expires_never();
    auto session = std::make_shared<WsSession>(shard, stream.release_socket(), std::move(remote_address),
                                                std::move(early_bytes));
    session->start(std::move(response));
    co_return;
  }
  boost::system::error_code ignored;
  stream.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
  stream.close();
}

}  // namespace mi::hub
