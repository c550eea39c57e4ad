#pragma once
// A client connection before it becomes a WebSocket session: its Transport, with the deadline
// that every step before the upgrade runs under (the PROXY header, the TLS handshake, each HTTP
// request and response). Beast's HTTP parser and serializer read and write through it, as they
// would through a beast::basic_stream; at the upgrade the Transport moves to the session, and
// the deadline's timer stays behind.

#include <chrono>
#include <memory>
#include <string>

#include <boost/asio/async_result.hpp>
#include <boost/asio/compose.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/error.hpp>

#include "hub/net/transport.hpp"
#include "protocol/proxy_protocol.hpp"

namespace mi::hub::net {

// What a connection's start said about a PROXY protocol header (read before anything else).
struct ProxyHeaderOutcome {
  enum class Kind {
    absent,   // none was expected and none came: the client's own bytes follow
    present,  // one was expected and came (header says from whom)
    refused,  // missing where required, sent where not allowed, malformed, or too late: close
  } kind = Kind::absent;
  protocol::proxy::Header header;
  std::string why;  // refused: for the log
};

class ConnectionStream {
 public:
  using executor_type = Socket::executor_type;

  explicit ConnectionStream(Socket socket);
  ~ConnectionStream();
  // The deadline's state points at the socket: the stream stays where it was made.
  ConnectionStream(const ConnectionStream&) = delete;
  ConnectionStream& operator=(const ConnectionStream&) = delete;

  executor_type get_executor() { return transport_.socket().get_executor(); }
  Transport& transport() { return transport_; }

  // The deadline of what comes next. Past it the waiting operation ends with beast's
  // error::timeout, and so does any operation started later, until the next expires_after.
  void expires_after(std::chrono::steady_clock::duration timeout);
  void expires_never();

  // Reads the PROXY protocol header at the start of the connection without taking a byte
  // beyond it. `required`: the peer is a trusted proxy, which must send one; otherwise a peer
  // that sends one is refused (it would be claiming an address it was not given).
  boost::asio::awaitable<ProxyHeaderOutcome> read_proxy_header(bool required);

  // The server side of a TLS handshake on the socket with `tls`; on success the transport is
  // secure. The error says why it failed (timeout included).
  boost::asio::awaitable<boost::system::error_code> tls_handshake(SslHandle tls);

  // The transport, for the WebSocket session; the stream is spent.
  Transport release();

  // Beast's AsyncReadStream and AsyncWriteStream.
  template <class MutableBuffers, class Token>
  auto async_read_some(const MutableBuffers& buffers, Token&& token);
  template <class ConstBuffers, class Token>
  auto async_write_some(const ConstBuffers& buffers, Token&& token);

 private:
  struct Deadline {
    Socket* socket = nullptr;  // cleared when the stream goes or gives its transport away
    bool expired = false;
    unsigned generation = 0;
  };

  // Waits for `readiness` and resumes `self` (at once, through the executor, for `now`).
  template <class Self>
  void wait_then(Readiness readiness, Self& self);
  boost::system::error_code after_wait(const boost::system::error_code& ec) const;
  bool expired() const { return deadline_->expired; }

  template <class Buffers, bool Reading>
  struct TransferOp;

  Transport transport_;
  boost::asio::steady_timer timer_;
  std::shared_ptr<Deadline> deadline_;
};

template <class Self>
void ConnectionStream::wait_then(Readiness readiness, Self& self) {
  switch (readiness) {
    case Readiness::now:
      boost::asio::post(get_executor(), [self = std::move(self)]() mutable { self(boost::system::error_code{}); });
      return;
    case Readiness::readable:
      transport_.socket().async_wait(boost::asio::socket_base::wait_read, std::move(self));
      return;
    case Readiness::writable:
      transport_.socket().async_wait(boost::asio::socket_base::wait_write, std::move(self));
      return;
  }
}

// One read or write: tried at once, then after each wait the transport asks for. A result that
// comes without a wait is handed over through the executor, never from inside the call that
// started the operation.
template <class Buffers, bool Reading>
struct ConnectionStream::TransferOp {
  ConnectionStream* stream;
  Buffers buffers;
  bool waited = false;
  bool finishing = false;
  boost::system::error_code result_error{};
  std::size_t result_size = 0;

  template <class Self>
  void operator()(Self& self, boost::system::error_code ec = {}) {
    if (finishing) {
      self.complete(result_error, result_size);
      return;
    }
    if (waited) ec = stream->after_wait(ec);
    if (!ec && stream->expired()) ec = boost::beast::error::timeout;
    if (!ec) {
      auto& transport = stream->transport_;
      if constexpr (Reading) {
        boost::asio::mutable_buffer first = *boost::asio::buffer_sequence_begin(buffers);
        result_size = transport.read_some(first, ec);
      } else if (!transport.secure()) {
        result_size = transport.socket().write_some(buffers, ec);  // gathered over TCP
      } else {
        boost::asio::const_buffer first;
        for (auto it = boost::asio::buffer_sequence_begin(buffers); it != boost::asio::buffer_sequence_end(buffers);
             ++it) {
          first = *it;
          if (first.size() > 0) break;
        }
        result_size = transport.write_some(first, ec);
      }
      if (ec == boost::asio::error::would_block) {
        waited = true;
        stream->wait_then(Reading ? transport.before_read() : transport.before_write(), self);
        return;
      }
    }
    result_error = ec;
    if (waited) {
      self.complete(result_error, result_size);
      return;
    }
    finishing = true;
    boost::asio::post(stream->get_executor(), std::move(self));
  }
};

template <class MutableBuffers, class Token>
auto ConnectionStream::async_read_some(const MutableBuffers& buffers, Token&& token) {
  return boost::asio::async_compose<Token, void(boost::system::error_code, std::size_t)>(
      TransferOp<MutableBuffers, true>{this, buffers}, token, transport_.socket());
}

template <class ConstBuffers, class Token>
auto ConnectionStream::async_write_some(const ConstBuffers& buffers, Token&& token) {
  return boost::asio::async_compose<Token, void(boost::system::error_code, std::size_t)>(
      TransferOp<ConstBuffers, false>{this, buffers}, token, transport_.socket());
}

}  // namespace mi::hub::net
