#pragma once
// The byte stream to a hub, for the HTTP client and under the WebSocket alike: plain TCP for
// http://, TLS over that same TCP stream for https://. The TCP stream stays the lowest layer
// (beast::get_lowest_layer reaches it), so that its one timer bounds every step, the TLS
// handshake and the TLS closing included, exactly as it bounds the plain ones.

#include <chrono>
#include <cstddef>
#include <optional>
#include <utility>

#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/role.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/beast/websocket/teardown.hpp>

#include "cli/hub_endpoint.hpp"

namespace mi::cli {

class HubStream {
 public:
  using executor_type = boost::beast::tcp_stream::executor_type;

  explicit HubStream(executor_type executor) : tcp_(std::move(executor)) {}
  // The TLS layer holds a reference to the TCP stream: neither may move.
  HubStream(const HubStream&) = delete;
  HubStream& operator=(const HubStream&) = delete;

  // Connects to the hub within `timeout` and, for https://, completes the TLS handshake with
  // the certificate chain and the host name verified: nothing is written before that. Throws
  // UntrustedHub when the certificate fails verification, NetworkError for any other failure.
  // The TCP stream's timer is left running with what remains of the deadline.
  boost::asio::awaitable<void> connect(const HubEndpoint& hub, std::chrono::steady_clock::duration timeout);

  // Drops the connection without any closing handshake: what is pending ends with an error.
  void close();

  boost::beast::tcp_stream& next_layer() { return tcp_; }
  executor_type get_executor() noexcept { return tcp_.get_executor(); }

  template <class MutableBufferSequence, class ReadToken>
  auto async_read_some(const MutableBufferSequence& buffers, ReadToken&& token) {
    return boost::asio::async_initiate<ReadToken, void(boost::system::error_code, std::size_t)>(
        [this](auto handler, const MutableBufferSequence& into) {
          if (tls_) {
            tls_->async_read_some(into, std::move(handler));
          } else {
            tcp_.async_read_some(into, std::move(handler));
          }
        },
        token, buffers);
  }

  template <class ConstBufferSequence, class WriteToken>
  auto async_write_some(const ConstBufferSequence& buffers, WriteToken&& token) {
    return boost::asio::async_initiate<WriteToken, void(boost::system::error_code, std::size_t)>(
        [this](auto handler, const ConstBufferSequence& from) {
          if (tls_) {
            tls_->async_write_some(from, std::move(handler));
          } else {
            tcp_.async_write_some(from, std::move(handler));
          }
        },
        token, buffers);
  }

  // The end of a WebSocket connection (found by Beast through the free functions below): TLS's
  // close_notify first when there is TLS, then the TCP stream's own teardown.
  template <class TeardownHandler>
  void async_teardown(boost::beast::role_type role, TeardownHandler&& handler) {
    using boost::beast::async_teardown;
    using boost::beast::websocket::async_teardown;
    if (tls_) {
      async_teardown(role, *tls_, std::forward<TeardownHandler>(handler));
    } else {
      async_teardown(role, tcp_, std::forward<TeardownHandler>(handler));
    }
  }

  void teardown(boost::beast::role_type role, boost::system::error_code& error) {
    using boost::beast::teardown;
    using boost::beast::websocket::teardown;
    if (tls_) {
      teardown(role, *tls_, error);
    } else {
      teardown(role, tcp_, error);
    }
  }

 private:
  boost::beast::tcp_stream tcp_;
  // Set by connect() for https://; declared after tcp_, so that it goes first.
  std::optional<boost::beast::ssl_stream<boost::beast::tcp_stream&>> tls_;
};

template <class TeardownHandler>
void async_teardown(boost::beast::role_type role, HubStream& stream, TeardownHandler&& handler) {
  stream.async_teardown(role, std::forward<TeardownHandler>(handler));
}

inline void teardown(boost::beast::role_type role, HubStream& stream, boost::system::error_code& error) {
  stream.teardown(role, error);
}

}  // namespace mi::cli
