#include "hub/net/transport.hpp"

#include <cerrno>

#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <openssl/err.h>

namespace mi::hub::net {

namespace asio = boost::asio;

// OpenSSL reports why a call stopped through the thread's error queue, which other connections
// on this shard's thread share: it is emptied before each call, so that what SSL_get_error reads
// is this call's.
std::size_t Transport::tls_result(int ok, std::size_t done, Readiness& wait, boost::system::error_code& ec) {
  if (ok == 1) {
    ec = {};
    return done;
  }
  switch (SSL_get_error(tls_.get(), ok)) {
    case SSL_ERROR_WANT_READ:
      wait = Readiness::readable;
      ec = asio::error::would_block;
      return 0;
    case SSL_ERROR_WANT_WRITE:
      wait = Readiness::writable;
      ec = asio::error::would_block;
      return 0;
    case SSL_ERROR_ZERO_RETURN:  // close_notify, or the TCP end (SSL_OP_IGNORE_UNEXPECTED_EOF)
      ec = asio::error::eof;
      return 0;
    case SSL_ERROR_SYSCALL:
      tls_failed_ = true;
      ec = errno != 0 ? boost::system::error_code(errno, boost::system::system_category())
                      : boost::system::error_code(asio::error::eof);
      return 0;
    default: {
      tls_failed_ = true;
      auto code = ERR_get_error();
      ec = boost::system::error_code(static_cast<int>(code), asio::error::get_ssl_category());
      ERR_clear_error();
      return 0;
    }
  }
}

void Transport::begin_server_tls(SslHandle tls) {
  tls_ = std::move(tls);
  SSL_set_fd(tls_.get(), socket_.native_handle());
  SSL_set_accept_state(tls_.get());
}

void Transport::handshake_step(boost::system::error_code& ec) {
  ERR_clear_error();
  errno = 0;
  // The handshake's waits are the reads' (a handshake that needs to send waits for writable).
  tls_result(SSL_do_handshake(tls_.get()), 0, read_wait_, ec);
  if (!ec) read_wait_ = Readiness::readable;  // OpenSSL read until the socket had no more
}

std::size_t Transport::read_some(asio::mutable_buffer buffer, boost::system::error_code& ec) {
  if (!tls_) return socket_.read_some(buffer, ec);
  ERR_clear_error();
  errno = 0;
  std::size_t read = 0;
  int ok = SSL_read_ex(tls_.get(), buffer.data(), buffer.size(), &read);
  // A read that got bytes took one record: the socket may hold more, and no readiness would say
  // so (the shards' epoll is edge-triggered), so the next read is tried at once.
  read_wait_ = Readiness::now;
  return tls_result(ok, read, read_wait_, ec);
}

std::size_t Transport::write_some(asio::const_buffer buffer, boost::system::error_code& ec) {
  if (!tls_) return socket_.write_some(buffer, ec);
  if (buffer.size() == 0) {
    ec = {};
    return 0;
  }
  ERR_clear_error();
  errno = 0;
  std::size_t written = 0;
  int ok = SSL_write_ex(tls_.get(), buffer.data(), buffer.size(), &written);
  write_wait_ = Readiness::writable;
  return tls_result(ok, written, write_wait_, ec);
}

Readiness Transport::before_read() const {
  if (!tls_) return Readiness::readable;
  if (SSL_pending(tls_.get()) > 0) return Readiness::now;
  return read_wait_;
}

asio::awaitable<boost::system::error_code> Transport::wait(Readiness readiness) {
  switch (readiness) {
    case Readiness::now:
      co_return boost::system::error_code{};
    case Readiness::readable: {
      auto [ec] = co_await socket_.async_wait(asio::socket_base::wait_read, kNoThrow);
      co_return ec;
    }
    case Readiness::writable: {
      auto [ec] = co_await socket_.async_wait(asio::socket_base::wait_write, kNoThrow);
      co_return ec;
    }
  }
  co_return boost::system::error_code{};
}

asio::awaitable<std::pair<boost::system::error_code, std::size_t>> Transport::write_all_tls(
    const asio::const_buffer* buffers, std::size_t count) {
  std::size_t total = 0;
  for (std::size_t i = 0; i < count; ++i) {
    asio::const_buffer rest = buffers[i];
    while (rest.size() > 0) {
      boost::system::error_code ec;
      std::size_t written = write_some(rest, ec);
      if (ec == asio::error::would_block) {
        // The retry is of the same bytes, as OpenSSL requires after a write it could not finish.
        ec = co_await wait(before_write());
      }
      if (ec) co_return std::pair{ec, total};
      rest += written;
      total += written;
    }
  }
  co_return std::pair{boost::system::error_code{}, total};
}

// Non-blocking: the close_notify leaves now or not at all; the peer learns the end from the TCP
// FIN either way. A TLS client that sees the FIN without it may report a truncated stream. Not
// after a failed TLS call, after which OpenSSL's state must not be used for writing.
void Transport::send_close_notify() {
  if (!tls_ || close_notify_sent_ || tls_failed_ || !socket_.is_open()) return;
  close_notify_sent_ = true;
  ERR_clear_error();
  SSL_shutdown(tls_.get());
  ERR_clear_error();
}

void Transport::shutdown_send() {
  send_close_notify();
  boost::system::error_code ignored;
  socket_.shutdown(asio::socket_base::shutdown_send, ignored);
}

void Transport::close() {
  send_close_notify();
  boost::system::error_code ignored;
  socket_.close(ignored);
}

}  // namespace mi::hub::net
