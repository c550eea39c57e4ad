#include "hub/net/connection_stream.hpp"

#include <array>
#include <cerrno>

#include <sys/socket.h>

namespace mi::hub::net {

namespace asio = boost::asio;
namespace proxy = protocol::proxy;

ConnectionStream::ConnectionStream(Socket socket)
    : transport_(std::move(socket)), timer_(transport_.socket().get_executor()), deadline_(std::make_shared<Deadline>()) {
  deadline_->socket = &transport_.socket();
}

ConnectionStream::~ConnectionStream() {
  deadline_->socket = nullptr;
}

void ConnectionStream::expires_after(std::chrono::steady_clock::duration timeout) {
  auto generation = ++deadline_->generation;
  deadline_->expired = false;
  timer_.expires_after(timeout);
  // The handler holds the deadline's state, not the stream: it may run after the stream is gone
  // (an expiry already queued when the connection ended), and then finds no socket.
  timer_.async_wait([deadline = deadline_, generation](const boost::system::error_code& ec) {
    if (ec || deadline->socket == nullptr || deadline->generation != generation) return;
    deadline->expired = true;
    boost::system::error_code ignored;
    deadline->socket->cancel(ignored);
  });
}

void ConnectionStream::expires_never() {
  ++deadline_->generation;
  deadline_->expired = false;
  timer_.cancel();
}

boost::system::error_code ConnectionStream::after_wait(const boost::system::error_code& ec) const {
  if (deadline_->expired) return boost::beast::error::timeout;
  return ec;
}

asio::awaitable<ProxyHeaderOutcome> ConnectionStream::read_proxy_header(bool required) {
  auto refused = [](std::string why) {
    ProxyHeaderOutcome outcome;
    outcome.kind = ProxyHeaderOutcome::Kind::refused;
    outcome.why = std::move(why);
    return outcome;
  };
  std::array<char, proxy::kMaxV2Bytes> bytes;
  const int descriptor = transport_.socket().native_handle();
  for (;;) {
    if (expired()) co_return refused("no PROXY header in time");
    // Peeked, not read: what follows the header (a TLS ClientHello, an HTTP request) must stay in
    // the socket for what reads it next.
    ssize_t peeked = ::recv(descriptor, bytes.data(), bytes.size(), MSG_PEEK);
    if (peeked < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
      // The peer has sent nothing more yet; new bytes are a new readiness edge, even though the
      // ones peeked are still there.
      auto ec = after_wait(co_await transport_.wait(Readiness::readable));
      if (ec == boost::beast::error::timeout) co_return refused("no PROXY header in time");
      if (ec) co_return refused("the connection failed: " + ec.message());
      continue;
    }
    if (peeked <= 0) co_return refused("the connection closed before its first bytes");
    auto size = static_cast<std::size_t>(peeked);
    auto parsed = proxy::parse(std::string_view(bytes.data(), size));
    switch (parsed.kind) {
      case proxy::ParseResult::Kind::invalid:
        if (required) co_return refused(std::string("a trusted proxy sent no valid PROXY header: ") + parsed.error);
        co_return ProxyHeaderOutcome{};
      case proxy::ParseResult::Kind::complete: {
        if (!required) co_return refused("a PROXY header from a peer not in --trusted-proxies");
        // The header's bytes are there (peeked): this read takes exactly them.
        ssize_t taken = ::recv(descriptor, bytes.data(), parsed.consumed, 0);
        if (taken != static_cast<ssize_t>(parsed.consumed)) co_return refused("the connection failed");
        ProxyHeaderOutcome outcome;
        outcome.kind = ProxyHeaderOutcome::Kind::present;
        outcome.header = std::move(parsed.header);
        co_return outcome;
      }
      case proxy::ParseResult::Kind::need_more:
        if (size == bytes.size()) co_return refused("the PROXY header is too long");
        {
          auto ec = after_wait(co_await transport_.wait(Readiness::readable));
          if (ec == boost::beast::error::timeout) co_return refused("no PROXY header in time");
          if (ec) co_return refused("the connection failed: " + ec.message());
        }
        continue;
    }
  }
}

asio::awaitable<boost::system::error_code> ConnectionStream::tls_handshake(SslHandle tls) {
  if (!tls) co_return boost::system::error_code(asio::error::no_memory);
  transport_.begin_server_tls(std::move(tls));
  for (;;) {
    if (expired()) co_return boost::system::error_code(boost::beast::error::timeout);
    boost::system::error_code ec;
    transport_.handshake_step(ec);
    if (ec != asio::error::would_block) co_return ec;
    ec = after_wait(co_await transport_.wait(transport_.before_read()));
    if (ec) co_return ec;
  }
}

Transport ConnectionStream::release() {
  expires_never();
  deadline_->socket = nullptr;
  return std::move(transport_);
}

}  // namespace mi::hub::net
