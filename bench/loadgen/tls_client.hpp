#pragma once
// TLS for the agents of idle-tls and reconnect-tls: OpenSSL straight on the Asio socket's file
// descriptor, non-blocking, with Asio waiting for readiness in between. One SSL_CTX per process;
// a connection costs its SSL and nothing else (no stream buffers of its own: OpenSSL's are
// released while the connection is idle). With resumption on, each agent keeps the last session
// its server sent (TLS 1.3 sends its tickets after the handshake) and offers it on the next
// connection, as a client that reconnects would.
#include <openssl/ssl.h>

#include <cstddef>
#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>

#include "net.hpp"

namespace mi::bench::tls {

struct ClientOptions {
  std::string ca_file;  // PEM: verify the server's chain against it, and its address; empty: no verification
  bool resume = false;  // keep each connection's session and offer it on the next one
};

// The OpenSSL error queue as text, emptied ("" when it is empty).
std::string take_errors();

class ClientContext {
 public:
  explicit ClientContext(const ClientOptions& options);  // throws when the CA file cannot be read
  ~ClientContext();
  ClientContext(const ClientContext&) = delete;
  ClientContext& operator=(const ClientContext&) = delete;

  SSL_CTX* native() const { return context_; }
  bool verifies() const { return verifies_; }
  bool resumes() const { return resumes_; }

 private:
  SSL_CTX* context_ = nullptr;
  bool verifies_ = false;
  bool resumes_ = false;
};

// The session one agent offers on its next handshake: the newest its server sent.
class SessionSlot {
 public:
  SessionSlot() = default;
  ~SessionSlot();
  SessionSlot(const SessionSlot&) = delete;
  SessionSlot& operator=(const SessionSlot&) = delete;

  void keep(SSL_SESSION* session);  // takes over the reference; frees the one held before
  SSL_SESSION* get() const { return session_; }
  std::size_t kept() const { return kept_; }  // sessions received so far

 private:
  SSL_SESSION* session_ = nullptr;
  std::size_t kept_ = 0;
};

// One TLS client connection over TCP.
class Stream {
 public:
  // `slot`: where the server's sessions go and which one is offered; nullptr: none kept.
  Stream(asio::io_context& io, const ClientContext& context, SessionSlot* slot);
  ~Stream();
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;

  // TCP connect from `source` (unspecified: any), then the handshake; throws why it failed.
  asio::awaitable<void> connect(const Target& target, const asio::ip::address& source);
  // Reads what is there (at least a byte) into data; throws on EOF, a close_notify or an error.
  asio::awaitable<std::size_t> read_some(unsigned char* data, std::size_t size);
  // Writes all of `data`.
  asio::awaitable<void> write(std::string_view data);
  // Writes all of `data` if the socket takes it now; false if it has to wait, and then the next
  // write must be `write` of the same bytes (OpenSSL resumes the record it began).
  bool try_write(std::string_view data);
  // Whether the handshake resumed the session offered.
  bool resumed() const;
  // Closes the socket without a close_notify, as a lost connection ends; the session kept stays
  // one to offer (OpenSSL drops a session whose connection did not shut down, unless told).
  void close();

  tcp::socket& socket() { return socket_; }

 private:
  asio::awaitable<void> wait(int result, const char* what);

  tcp::socket socket_;
  SSL* ssl_ = nullptr;
};

}  // namespace mi::bench::tls
