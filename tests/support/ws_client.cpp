#include "tests/support/ws_client.hpp"

#include <stdexcept>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include "protocol/json_writer.hpp"

namespace mi::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;

struct WsClient::Impl {
  asio::io_context io;
  websocket::stream<beast::tcp_stream> ws{io};
  beast::flat_buffer buffer;
  bool read_pending = false;
  bool read_done = false;
  beast::error_code read_error;

  // Runs the loop until `done` or the deadline.
  template <class Done>
  bool run_until(Done done, std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    io.restart();
    while (!done()) {
      auto now = std::chrono::steady_clock::now();
      if (now >= deadline) return false;
      io.run_one_for(deadline - now);
    }
    return true;
  }
};

WsClient::WsClient(unsigned short port, Options options) : impl_(std::make_unique<Impl>()) {
  auto& ws = impl_->ws;
  bool done = false;
  beast::error_code result;
  websocket::response_type response;
  auto& tcp = beast::get_lowest_layer(ws);
  tcp.expires_after(options.timeout);
  if (!options.source_address.empty()) {
    tcp.socket().open(asio::ip::tcp::v4());
    tcp.socket().bind(asio::ip::tcp::endpoint(asio::ip::make_address(options.source_address), 0));
  }
  tcp.async_connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), [&](beast::error_code ec) {
    if (ec) {
      result = ec;
      done = true;
      return;
    }
    ws.set_option(websocket::stream_base::decorator(
        [origin = options.origin, headers = options.headers](websocket::request_type& request) {
          if (origin) request.set(beast::http::field::origin, *origin);
          for (const auto& [name, value] : headers) request.set(name, value);
        }));
    ws.async_handshake(response, "127.0.0.1:" + std::to_string(port), options.target, [&](beast::error_code hs) {
      result = hs;
      done = true;
    });
  });
  impl_->run_until([&] { return done; }, options.timeout + 1s);
  handshake_status_ = response.result_int();
  if (!done) error_ = "handshake timed out";
  if (result) error_ = result.message();
  if (done && !result) {
    tcp.expires_never();
    ws.read_message_max(64 * 1024 * 1024);
  }
}

WsClient::~WsClient() = default;

bool WsClient::send(std::string_view text) {
  if (closed_) return false;
  bool done = false;
  beast::error_code result;
  impl_->ws.text(true);
  impl_->ws.async_write(asio::buffer(text.data(), text.size()), [&](beast::error_code ec, std::size_t) {
    result = ec;
    done = true;
  });
  if (!impl_->run_until([&] { return done; }, 5s) || result) return false;
  return true;
}

bool WsClient::send_binary(std::string_view bytes) {
  bool done = false;
  beast::error_code result;
  impl_->ws.binary(true);
  impl_->ws.async_write(asio::buffer(bytes.data(), bytes.size()), [&](beast::error_code ec, std::size_t) {
    result = ec;
    done = true;
  });
  impl_->run_until([&] { return done; }, 5s);
  impl_->ws.text(true);
  return done && !result;
}

bool WsClient::send_ping() {
  bool done = false;
  beast::error_code result;
  impl_->ws.async_ping({}, [&](beast::error_code ec) {
    result = ec;
    done = true;
  });
  impl_->run_until([&] { return done; }, 5s);
  return done && !result;
}

std::optional<std::string> WsClient::receive(std::chrono::milliseconds timeout) {
  if (closed_) return std::nullopt;
  auto& impl = *impl_;
  if (!impl.read_pending) {
    impl.read_pending = true;
    impl.read_done = false;
    impl.ws.async_read(impl.buffer, [&impl](beast::error_code ec, std::size_t) {
      impl.read_error = ec;
      impl.read_done = true;
    });
  }
  if (!impl.run_until([&] { return impl.read_done; }, timeout)) return std::nullopt;
  impl.read_pending = false;
  if (impl.read_error) {
    closed_ = true;
    close_code_ = impl.read_error == websocket::error::closed ? impl.ws.reason().code : 1006;
    return std::nullopt;
  }
  auto text = beast::buffers_to_string(impl.buffer.data());
  impl.buffer.consume(impl.buffer.size());
  return text;
}

protocol::ServerMessage WsClient::expect(std::string_view type, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string seen;
  while (std::chrono::steady_clock::now() < deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    auto text = receive(left);
    if (!text) break;
    auto message = protocol::parse_server_message(*text);
    if (message && message->type == type) return *message;
    seen += *text + "\n";
  }
  throw std::runtime_error("expected a \"" + std::string(type) + "\" message; got " +
                           (seen.empty() ? std::string("nothing") : seen) +
                           (closed_ ? " (closed with " + std::to_string(close_code_) + ")" : ""));
}

protocol::ServerMessage WsClient::next_message(std::chrono::milliseconds timeout) {
  auto text = receive(timeout);
  if (!text) {
    throw std::runtime_error("expected a message; got nothing" +
                             (closed_ ? " (closed with " + std::to_string(close_code_) + ")" : std::string()));
  }
  auto message = protocol::parse_server_message(*text);
  if (!message) throw std::runtime_error("expected a message; got one that does not parse: " + *text);
  return *message;
}

int WsClient::wait_closed(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!closed_ && std::chrono::steady_clock::now() < deadline) {
    receive(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()));
  }
  return closed_ ? close_code_ : -1;
}

void WsClient::close(int code) {
  if (closed_) return;
  bool done = false;
  impl_->ws.async_close(websocket::close_reason(static_cast<std::uint16_t>(code)), [&](beast::error_code) { done = true; });
  impl_->run_until([&] { return done; }, 2s);
  closed_ = true;
  close_code_ = code;
}

void WsClient::drop() {
  beast::error_code ignored;
  beast::get_lowest_layer(impl_->ws).socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  beast::get_lowest_layer(impl_->ws).close();
  closed_ = true;
}

std::string watch_request(const std::string& colony, const std::string& token) {
  std::string request = "{\"type\":\"watch\",\"colony\":";
  protocol::append_json_string(request, colony);
  request += ",\"token\":";
  protocol::append_json_string(request, token);
  return request + "}";
}

protocol::ServerMessage onboard(WsClient& client, std::string_view code, std::optional<std::string> name) {
  std::string request = "{\"type\":\"onboard\",\"code\":";
  protocol::append_json_string(request, code);
  if (name) {
    request += ",\"name\":";
    protocol::append_json_string(request, *name);
  }
  request += "}";
  if (!client.send(request)) throw std::runtime_error("could not send onboard");
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < deadline) {
    auto text = client.receive(10s);
    if (!text) break;
    auto message = protocol::parse_server_message(*text);
    if (message && (message->type == "welcome" || message->type == "error")) return *message;
  }
  throw std::runtime_error("no reply to onboard");
}

}  // namespace mi::test
