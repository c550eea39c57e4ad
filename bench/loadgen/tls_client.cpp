#include "tls_client.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <stdexcept>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include <boost/asio/use_awaitable.hpp>

namespace mi::bench::tls {

using asio::use_awaitable;

namespace {

// The slot of a connection, reached from OpenSSL's new-session callback.
int slot_index() {
  static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

int on_new_session(SSL* ssl, SSL_SESSION* session) {
  auto* slot = static_cast<SessionSlot*>(SSL_get_ex_data(ssl, slot_index()));
  if (slot == nullptr) return 0;  // OpenSSL frees it
  slot->keep(session);
  return 1;  // the slot holds the reference now
}

[[noreturn]] void fail(const std::string& what) {
  auto errors = take_errors();
  throw std::runtime_error(errors.empty() ? what : what + ": " + errors);
}

}  // namespace

std::string take_errors() {
  std::string out;
  while (auto code = ERR_get_error()) {
    char text[256];
    ERR_error_string_n(code, text, sizeof text);
    if (!out.empty()) out += "; ";
    out += text;
  }
  return out;
}

ClientContext::ClientContext(const ClientOptions& options) : context_(SSL_CTX_new(TLS_client_method())) {
  if (context_ == nullptr) fail("SSL_CTX_new");
  // OpenSSL writes the socket with write(2), which raises SIGPIPE on a connection the server has
  // closed (a restart): the generator takes the EPIPE instead, and the agent reconnects.
  std::signal(SIGPIPE, SIG_IGN);
  SSL_CTX_set_min_proto_version(context_, TLS1_2_VERSION);
  // Buffers are released while a connection is idle; a heartbeat's retry may come from another
  // copy of the same bytes.
  SSL_CTX_set_mode(context_, SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  // An EOF without close_notify reads as a plain end, which is how a server's restart looks.
  SSL_CTX_set_options(context_, SSL_OP_IGNORE_UNEXPECTED_EOF);
  static const unsigned char alpn[] = "\x08http/1.1";
  SSL_CTX_set_alpn_protos(context_, alpn, sizeof alpn - 1);
  if (!options.ca_file.empty()) {
    if (SSL_CTX_load_verify_locations(context_, options.ca_file.c_str(), nullptr) != 1) {
      auto errors = take_errors();
      SSL_CTX_free(context_);
      throw std::runtime_error("cannot read CA file " + options.ca_file + ": " + errors);
    }
    SSL_CTX_set_verify(context_, SSL_VERIFY_PEER, nullptr);
    verifies_ = true;
  } else {
    SSL_CTX_set_verify(context_, SSL_VERIFY_NONE, nullptr);
  }
  if (options.resume) {
    // Sessions go to each connection's slot, none to OpenSSL's own cache.
    SSL_CTX_set_session_cache_mode(context_, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
    SSL_CTX_sess_set_new_cb(context_, on_new_session);
    resumes_ = true;
  } else {
    SSL_CTX_set_session_cache_mode(context_, SSL_SESS_CACHE_OFF);
  }
}

ClientContext::~ClientContext() { SSL_CTX_free(context_); }

SessionSlot::~SessionSlot() { SSL_SESSION_free(session_); }

void SessionSlot::keep(SSL_SESSION* session) {
  SSL_SESSION_free(session_);
  session_ = session;
  ++kept_;
}

Stream::Stream(asio::io_context& io, const ClientContext& context, SessionSlot* slot)
    : socket_(io), ssl_(SSL_new(context.native())) {
  if (ssl_ == nullptr) fail("SSL_new");
  if (context.resumes() && slot != nullptr) {
    SSL_set_ex_data(ssl_, slot_index(), slot);
    if (slot->get() != nullptr) SSL_set_session(ssl_, slot->get());
  }
}

Stream::~Stream() {
  // Marked as shut down, so that OpenSSL keeps the session resumable (a close_notify is not
  // sent: it would cost a write per connection that the servers measured do not need).
  SSL_set_shutdown(ssl_, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
  SSL_free(ssl_);
}

asio::awaitable<void> Stream::wait(int result, const char* what) {
  switch (SSL_get_error(ssl_, result)) {
    case SSL_ERROR_WANT_READ:
      co_await socket_.async_wait(tcp::socket::wait_read, use_awaitable);
      co_return;
    case SSL_ERROR_WANT_WRITE:
      co_await socket_.async_wait(tcp::socket::wait_write, use_awaitable);
      co_return;
    case SSL_ERROR_ZERO_RETURN:
      throw std::runtime_error(std::string(what) + ": closed by the server");
    case SSL_ERROR_SYSCALL:
      if (errno != 0) throw std::runtime_error(std::string(what) + ": " + std::strerror(errno));
      fail(std::string(what) + ": connection closed");
    default: {
      std::string why = std::string(what) + " failed";
      if (auto verify = SSL_get_verify_result(ssl_); verify != X509_V_OK) {
        why += std::string(" (certificate: ") + X509_verify_cert_error_string(verify) + ")";
      }
      fail(why);
    }
  }
}

asio::awaitable<void> Stream::connect(const Target& target, const asio::ip::address& source) {
  socket_.open(tcp::v4());
  if (!source.is_unspecified()) {
    int one = 1;
    ::setsockopt(socket_.native_handle(), IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
    socket_.bind(tcp::endpoint(source, 0));
  }
  co_await socket_.async_connect(target.endpoint, use_awaitable);
  socket_.set_option(tcp::no_delay(true));
  socket_.non_blocking(true);
  if (SSL_set_fd(ssl_, socket_.native_handle()) != 1) fail("SSL_set_fd");
  // The servers are reached by address: that is what their certificate must name.
  auto address = target.endpoint.address().to_string();
  if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl_), address.c_str()) != 1) fail("certificate address check");
  SSL_set_connect_state(ssl_);
  for (;;) {
    ERR_clear_error();
    errno = 0;
    int r = SSL_do_handshake(ssl_);
    if (r == 1) co_return;
    co_await wait(r, "TLS handshake");
  }
}

asio::awaitable<std::size_t> Stream::read_some(unsigned char* data, std::size_t size) {
  for (;;) {
    ERR_clear_error();
    errno = 0;
    std::size_t got = 0;
    int r = SSL_read_ex(ssl_, data, size, &got);
    if (r == 1) co_return got;
    co_await wait(r, "TLS read");
  }
}

asio::awaitable<void> Stream::write(std::string_view data) {
  for (;;) {
    ERR_clear_error();
    errno = 0;
    std::size_t written = 0;
    int r = SSL_write_ex(ssl_, data.data(), data.size(), &written);
    if (r == 1) co_return;  // without SSL_MODE_ENABLE_PARTIAL_WRITE: all of it
    co_await wait(r, "TLS write");
  }
}

bool Stream::try_write(std::string_view data) {
  ERR_clear_error();
  errno = 0;
  std::size_t written = 0;
  if (SSL_write_ex(ssl_, data.data(), data.size(), &written) == 1) return true;
  auto error = SSL_get_error(ssl_, 0);
  if (error == SSL_ERROR_WANT_WRITE || error == SSL_ERROR_WANT_READ) return false;
  fail("TLS write");
}

bool Stream::resumed() const { return SSL_session_reused(ssl_) == 1; }

void Stream::close() {
  SSL_set_shutdown(ssl_, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
  boost::system::error_code ignored;
  socket_.close(ignored);
}

}  // namespace mi::bench::tls
