#include "cli/ws.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket.hpp>

#include "hub/core/no_throw.hpp"
#include "cli/connect.hpp"
#include "cli/hub_stream.hpp"
#include "cli/network_error.hpp"
#include "cli/time_text.hpp"
#include "cli/version.hpp"

namespace mi::cli {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;

namespace {
// A snapshot of a large colony is one message; anything up to this size is accepted.
constexpr std::size_t kMaxMessageBytes = 64 * 1024 * 1024;

// Words for a WebSocket close code: 1012 -> "hub restarting".
std::string close_code_words(int code) {
  switch (code) {
    case 1000: return "closed normally";
    case 1001: return "hub going away";
    case 1006: return "connection lost";
    case 1008: return "refused by the hub's policy";
    case 1009: return "message too big";
    case 1011: return "hub error";
    case 1012: return "hub restarting";
    case 4009: return "too slow to keep up";
    default: return "closed by the hub";
  }
}

}  // namespace

struct WsClient::Connection {
  explicit Connection(asio::any_io_executor executor) : ws(std::move(executor)) {}
  websocket::stream<HubStream> ws;
  beast::flat_buffer buffer;
};

WsClient::WsClient(asio::any_io_executor executor) : executor_(std::move(executor)) {}

WsClient::~WsClient() = default;

asio::awaitable<void> WsClient::connect(const HubEndpoint& hub, Duration timeout) {
  connection_ = std::make_unique<Connection>(executor_);
  disconnection_ = {};
  auto& ws = connection_->ws;
  try {
    co_await ws.next_layer().connect(hub, timeout);
  } catch (...) {
    // A socket whose TLS handshake failed is of no further use: it is not kept open until the
    // next attempt.
    connection_.reset();
    throw;
  }
  ws.set_option(websocket::stream_base::decorator([](websocket::request_type& request) {
    request.set(beast::http::field::user_agent, std::string("mi/") + std::string(kVersion));
  }));
  ws.read_message_max(kMaxMessageBytes);
  // connect() left the TCP stream's deadline running: it bounds the upgrade too.
  websocket::response_type response;
  const std::string target = hub.url().target("/v1/ws");
  auto [error] = co_await ws.async_handshake(response, hub.url().host_header(), target, kNoThrow);
  if (error) {
    connection_.reset();
    // Every mi-hub has /v1/ws: a 404 there means the address, most likely its path, is not a hub's.
    if (response.result_int() == 404) {
      throw NetworkError(hub.text(), "the hub was not found there: HTTP 404 for " + target +
                                         "; check the path in --hub or MI_HUB");
    }
    throw NetworkError(hub.text(), "WebSocket upgrade failed: " + describe_network_failure(error, timeout));
  }
  beast::get_lowest_layer(ws).expires_never();
}

asio::awaitable<bool> WsClient::send(std::string text) {
  if (!connection_) co_return false;
  connection_->ws.text(true);
  auto [error, written] = co_await connection_->ws.async_write(asio::buffer(text), kNoThrow);
  co_return !error;
}

asio::awaitable<std::optional<std::string>> WsClient::receive_within(Duration timeout) {
  return read_text(timeout);
}

asio::awaitable<std::optional<std::string>> WsClient::receive() { return read_text(std::nullopt); }

asio::awaitable<std::optional<std::string>> WsClient::read_text(std::optional<Duration> timeout) {
  if (!connection_) co_return std::nullopt;
  auto& ws = connection_->ws;
  auto& buffer = connection_->buffer;
  while (true) {
    if (timeout) beast::get_lowest_layer(ws).expires_after(*timeout);
    auto [error, bytes] = co_await ws.async_read(buffer, kNoThrow);
    if (timeout) beast::get_lowest_layer(ws).expires_never();
    if (error) {
      // Once the hub's close frame has come, its reason stands, even when tearing the connection
      // down after it fails: over TLS, a hub that ends TCP without TLS's own close_notify makes
      // that "stream truncated", yet nothing was lost, the close frame being the last message.
      if (error == websocket::error::closed || ws.reason().code != websocket::close_code::none) {
        const int code = ws.reason().code;
        disconnection_ = {code, std::to_string(code) + " " + close_code_words(code)};
      } else if (error == beast::error::timeout) {
        disconnection_ = {std::nullopt, timeout ? "no reply within " + duration_text(*timeout)
                                                : std::string("the hub stopped answering")};
      } else if (error == asio::error::operation_aborted) {
        disconnection_ = {std::nullopt, "connection dropped"};
      } else {
        disconnection_ = {std::nullopt, "connection lost"};
      }
      co_return std::nullopt;
    }
    const bool text = ws.got_text();
    std::string message = beast::buffers_to_string(buffer.data());
    buffer.consume(buffer.size());
    if (text) co_return message;
    // The hub sends only text; anything else is skipped rather than misread.
  }
}

void WsClient::keep_alive(Duration idle_timeout) {
  if (!connection_) return;
  websocket::stream_base::timeout timeouts{};
  timeouts.handshake_timeout = std::chrono::seconds(5);
  timeouts.idle_timeout = idle_timeout;
  timeouts.keep_alive_pings = true;
  connection_->ws.set_option(timeouts);
}

asio::awaitable<void> WsClient::close(std::uint16_t code, Duration timeout) {
  if (!connection_ || !connection_->ws.is_open()) co_return;
  beast::get_lowest_layer(connection_->ws).expires_after(timeout);
  co_await connection_->ws.async_close(websocket::close_reason(code), kNoThrow);
}

void WsClient::abort() {
  if (connection_) beast::get_lowest_layer(connection_->ws).close();
}

}  // namespace mi::cli
