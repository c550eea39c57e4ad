#pragma once
// TLS to an https:// hub: the client's OpenSSL context, what each connection sets before its
// handshake, and the words for a certificate that did not pass. The hub's certificate chain is
// always verified against the system's trust store (plus --ca-file), and its host name or
// address always checked: there is no way to turn either off.

#include <optional>
#include <string>

#include <boost/asio/ssl/context.hpp>
#include <boost/system/error_code.hpp>
#include <openssl/ssl.h>

namespace mi::cli {

class TlsClientContext {
 public:
  // TLS 1.2 at least, ALPN http/1.1, peer verification against the system's trust store and,
  // when `ca_file` is not empty, the PEM certificates in it too (a private deployment's CA).
  // Throws a usage CommandError when `ca_file` cannot be read as PEM certificates.
  explicit TlsClientContext(const std::string& ca_file);

  boost::asio::ssl::context& context() { return context_; }

 private:
  boost::asio::ssl::context context_;
};

// Before the handshake of a connection to `host` (a name, or an address without brackets): a
// name goes in SNI and must match the certificate's DNS names; an address must match its IP
// addresses. Throws std::runtime_error when OpenSSL cannot take them: connecting without the
// check is not an option.
void prepare_tls_connection(SSL* ssl, const std::string& host);

// Why the hub's certificate was not accepted, after a failed handshake.
struct CertificateProblem {
  // OpenSSL's words, then what they mean for this certificate:
  // "certificate has expired; it expired on 2024-05-01T12:00:00Z"
  std::string reason;
  std::string advice;  // what the user can do about it
};

// The problem with the certificate `ssl` was shown, from SSL_get_verify_result; nothing when the
// handshake failed for another reason (or the certificate passed). `host` as in --hub.
std::optional<CertificateProblem> certificate_problem(SSL* ssl, const std::string& host);

// A few words for a TLS handshake that failed other than on the certificate: "TLS handshake
// failed: wrong version number (SSL routines); does the hub serve https:// on that port?".
std::string describe_tls_failure(const boost::system::error_code& error);

}  // namespace mi::cli
