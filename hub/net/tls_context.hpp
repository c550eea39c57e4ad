#pragma once
// The hub's TLS server settings: one OpenSSL context made from --tls-cert and --tls-key, which
// SIGHUP replaces. A connection takes the context current at its accept and keeps it (OpenSSL
// counts the references), so a reload changes new connections only and drops none.

#include <memory>
#include <mutex>
#include <string>

#include <openssl/ssl.h>

namespace mi::hub::net {

struct SslContextDeleter {
  void operator()(SSL_CTX* context) const { SSL_CTX_free(context); }
};
using SslContextHandle = std::unique_ptr<SSL_CTX, SslContextDeleter>;

struct SslDeleter {
  void operator()(SSL* ssl) const { SSL_free(ssl); }
};
using SslHandle = std::unique_ptr<SSL, SslDeleter>;

// A server context for `cert_file` (a PEM chain, leaf first) and `key_file`: TLS 1.2 and 1.3 with
// forward-secret AEAD suites only, ALPN http/1.1, buffers released while idle. Nothing, and
// `error` set to a sentence, when a file cannot be read or the key does not match.
SslContextHandle make_server_context(const std::string& cert_file, const std::string& key_file, std::string& error);

// The latest OpenSSL error queue as text ("PEM routines::no start line"), emptied.
std::string take_openssl_errors();

class TlsContexts {
 public:
  // Loads the pair; throws std::runtime_error saying why when it cannot.
  TlsContexts(std::string cert_file, std::string key_file);

  // A new server-side SSL for one connection, on the current context; nothing when OpenSSL is
  // out of memory.
  SslHandle new_connection() const;

  // Reads both files again. On success new connections use them; on failure the current pair
  // stays. Returns an empty string on success, else why it failed.
  std::string reload();

  // The certificate's subject and expiry, for the log.
  std::string describe() const;

 private:
  const std::string cert_file_;
  const std::string key_file_;
  mutable std::mutex mutex_;  // reload (signal thread) against new_connection (shards)
  SslContextHandle current_;
};

}  // namespace mi::hub::net
