#pragma once
// A client connection's byte stream: the TCP socket, or TLS over it. Reads and writes are
// non-blocking calls that say `would_block` when they cannot go on; the caller then waits for
// what before_read() or before_write() names, on the socket itself. Nothing here allocates or
// waits on its own, so that an idle connection costs what it costs over plain TCP plus OpenSSL's
// state (which keeps no buffer while idle: SSL_MODE_RELEASE_BUFFERS).
//
// TLS runs on the socket's descriptor directly (OpenSSL's socket BIO), not through a memory BIO
// pair as asio::ssl::stream does: that one holds two 17 KiB buffers per connection for its life.

#include <cstddef>
#include <utility>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/basic_stream_socket.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/container/static_vector.hpp>

#include "hub/core/no_throw.hpp"
#include "hub/net/tls_context.hpp"

namespace mi::hub::net {

// On the shards' own executor type, so that a socket passes from the accept to the HTTP
// connection to the WebSocket session as it is.
using Socket = boost::asio::basic_stream_socket<boost::asio::ip::tcp, boost::asio::io_context::executor_type>;

// What a stopped read or write waits for before it is tried again.
enum class Readiness : unsigned char {
  now,       // nothing: there may be more already (TLS holds decrypted bytes, or stopped early)
  readable,  // the socket has bytes to read
  writable,  // the socket has room to write (TLS: a read that must first send, or a full socket)
};

class Transport {
 public:
  explicit Transport(Socket socket) : socket_(std::move(socket)) {}
  // `tls` has finished its handshake on this socket's descriptor.
  Transport(Socket socket, SslHandle tls) : socket_(std::move(socket)), tls_(std::move(tls)) {}
  Transport(Transport&&) = default;
  Transport& operator=(Transport&&) = default;

  // Starts TLS on this socket's descriptor, as the server; handshake_step() then drives it.
  void begin_server_tls(SslHandle tls);
  // One step of the handshake: done (no error), would_block (wait for before_read()), or failed.
  void handshake_step(boost::system::error_code& ec);

  Socket& socket() { return socket_; }
  bool secure() const { return tls_ != nullptr; }
  SSL* tls() const { return tls_.get(); }

  // Non-blocking. `ec` is would_block when nothing can move now, eof at the end of the peer's
  // stream (a TLS close_notify, or the TCP end), any other error when the connection failed.
  std::size_t read_some(boost::asio::mutable_buffer buffer, boost::system::error_code& ec);
  std::size_t write_some(boost::asio::const_buffer buffer, boost::system::error_code& ec);

  // What to wait for before the next read_some (after it said would_block, or after a read that
  // may not have emptied the socket: TLS gives one record per read) and before the next
  // write_some after would_block. Over TCP a read waits for readable, a write for writable.
  Readiness before_read() const;
  Readiness before_write() const { return write_wait_; }

  // Waits on the socket for `readiness` (completes at once for `now`).
  boost::asio::awaitable<boost::system::error_code> wait(Readiness readiness);

  // Writes all of `buffers` (a gathered write over TCP; a TLS write per buffer over TLS).
  template <class ConstBuffers>
  boost::asio::awaitable<std::pair<boost::system::error_code, std::size_t>> write_all(const ConstBuffers& buffers);

  // Ends our direction: TLS sends its close_notify first (once, without waiting), then the TCP
  // FIN follows.
  void shutdown_send();
  // Closes the socket (TLS: after its close_notify, if it can leave at once); pending waits
  // complete with operation_aborted.
  void close();

 private:
  void send_close_notify();
  std::size_t tls_result(int ok, std::size_t done, Readiness& wait, boost::system::error_code& ec);
  boost::asio::awaitable<std::pair<boost::system::error_code, std::size_t>> write_all_tls(
      const boost::asio::const_buffer* buffers, std::size_t count);

  Socket socket_;
  SslHandle tls_;
  Readiness read_wait_ = Readiness::readable;
  Readiness write_wait_ = Readiness::writable;
  bool close_notify_sent_ = false;
  bool tls_failed_ = false;
};

template <class ConstBuffers>
boost::asio::awaitable<std::pair<boost::system::error_code, std::size_t>> Transport::write_all(
    const ConstBuffers& buffers) {
  if (!tls_) {
    auto [ec, written] = co_await boost::asio::async_write(socket_, buffers, kNoThrow);
    co_return std::pair{ec, written};
  }
  // TLS writes one buffer at a time, from a short flat list (the session's writer gathers 16).
  boost::container::static_vector<boost::asio::const_buffer, 16> flat;
  std::size_t total = 0;
  auto end = boost::asio::buffer_sequence_end(buffers);
  for (auto it = boost::asio::buffer_sequence_begin(buffers); it != end;) {
    flat.clear();
    for (; it != end && flat.size() < flat.capacity(); ++it) flat.push_back(boost::asio::const_buffer(*it));
    auto [ec, written] = co_await write_all_tls(flat.data(), flat.size());
    total += written;
    if (ec) co_return std::pair{ec, total};
  }
  co_return std::pair{boost::system::error_code{}, total};
}

}  // namespace mi::hub::net
