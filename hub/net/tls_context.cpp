#include "hub/net/tls_context.hpp"

#include <cstdio>
#include <cstring>
#include <stdexcept>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

namespace mi::hub::net {

namespace {

// Mozilla's "intermediate" TLS 1.2 list without the DHE suites: ECDHE key exchange and AEAD
// ciphers only. TLS 1.3's own suites are all of that kind already.
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

// ALPN: the hub speaks HTTP/1.1 (WebSocket upgrades included) and nothing else. A client that
// offers only other protocols gets no ALPN answer rather than a failed handshake, as with a
// server that does not know ALPN.
int select_http11(SSL*, const unsigned char** out, unsigned char* out_length, const unsigned char* in,
                  unsigned int in_length, void*) {
  static const unsigned char kHttp11[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
  unsigned char* selected = nullptr;
  if (SSL_select_next_proto(&selected, out_length, kHttp11, sizeof kHttp11, in, in_length) !=
      OPENSSL_NPN_NEGOTIATED) {
    return SSL_TLSEXT_ERR_NOACK;
  }
  *out = selected;
  return SSL_TLSEXT_ERR_OK;
}

std::string certificate_summary(SSL_CTX* context) {
  X509* certificate = SSL_CTX_get0_certificate(context);
  if (certificate == nullptr) return "no certificate";
  std::string text;
  char subject[256] = {};
  X509_NAME_oneline(X509_get_subject_name(certificate), subject, sizeof subject - 1);
  text += subject;
  BIO* memory = BIO_new(BIO_s_mem());
  if (memory != nullptr) {
    if (ASN1_TIME_print(memory, X509_get0_notAfter(certificate)) == 1) {
      char* data = nullptr;
      long size = BIO_get_mem_data(memory, &data);
      text += ", valid until ";
      text.append(data, static_cast<std::size_t>(size));
    }
    BIO_free(memory);
  }
  return text;
}

}  // namespace

std::string take_openssl_errors() {
  std::string text;
  while (unsigned long code = ERR_get_error()) {
    char buffer[256];
    ERR_error_string_n(code, buffer, sizeof buffer);
    // "error:0480006C:PEM routines::no start line": the part after the code says it.
    const char* reason = std::strchr(buffer, ':');
    reason = reason != nullptr ? std::strchr(reason + 1, ':') : nullptr;
    if (!text.empty()) text += "; ";
    text += reason != nullptr ? reason + 1 : buffer;
  }
  return text.empty() ? "unknown OpenSSL error" : text;
}

SslContextHandle make_server_context(const std::string& cert_file, const std::string& key_file, std::string& error) {
  ERR_clear_error();
  SslContextHandle context(SSL_CTX_new(TLS_server_method()));
  if (!context) {
    error = "cannot create a TLS context: " + take_openssl_errors();
    return nullptr;
  }
  SSL_CTX* ctx = context.get();
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_COMPRESSION |
                               SSL_OP_IGNORE_UNEXPECTED_EOF);
  // Partial writes: a non-blocking write may leave part of a frame for later, as with TCP. A
  // retried write may come from another address (the frame sits in a queue by then).
  // Released buffers: an idle connection keeps no 16 KiB read or write buffer.
  SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_RELEASE_BUFFERS);
  // Resumption by tickets only: a server-side cache would hold a session per client that
  // connected, memory that grows with the agents and is lost on restart anyway. One ticket per
  // handshake is enough for the one reconnect that follows.
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_num_tickets(ctx, 1);
  if (SSL_CTX_set_cipher_list(ctx, kTls12Ciphers) != 1) {
    error = "cannot set the TLS 1.2 ciphers: " + take_openssl_errors();
    return nullptr;
  }
  SSL_CTX_set_alpn_select_cb(ctx, select_http11, nullptr);
  if (SSL_CTX_use_certificate_chain_file(ctx, cert_file.c_str()) != 1) {
    error = "cannot read the certificate chain " + cert_file + ": " + take_openssl_errors();
    return nullptr;
  }
  // The key is read apart from the context first, so that a key that cannot be read and a key
  // of another certificate get different sentences.
  EVP_PKEY* key = nullptr;
  if (FILE* file = std::fopen(key_file.c_str(), "r")) {
    key = PEM_read_PrivateKey(file, nullptr, nullptr, nullptr);
    std::fclose(file);
  }
  if (key == nullptr) {
    error = "cannot read the private key " + key_file + ": " + take_openssl_errors();
    return nullptr;
  }
  bool matches = X509_check_private_key(SSL_CTX_get0_certificate(ctx), key) == 1;
  bool used = matches && SSL_CTX_use_PrivateKey(ctx, key) == 1;
  EVP_PKEY_free(key);
  if (!matches) {
    ERR_clear_error();
    error = "the private key " + key_file + " does not belong to the certificate " + cert_file;
    return nullptr;
  }
  if (!used) {
    error = "cannot use the private key " + key_file + ": " + take_openssl_errors();
    return nullptr;
  }
  return context;
}

TlsContexts::TlsContexts(std::string cert_file, std::string key_file)
    : cert_file_(std::move(cert_file)), key_file_(std::move(key_file)) {
  std::string error;
  current_ = make_server_context(cert_file_, key_file_, error);
  if (!current_) throw std::runtime_error(error);
}

SslHandle TlsContexts::new_connection() const {
  std::lock_guard lock(mutex_);
  return SslHandle(SSL_new(current_.get()));
}

std::string TlsContexts::reload() {
  std::string error;
  auto fresh = make_server_context(cert_file_, key_file_, error);
  if (!fresh) return error;
  std::lock_guard lock(mutex_);
  // Connections made on the old context hold references to it: it goes with the last of them.
  current_ = std::move(fresh);
  return {};
}

std::string TlsContexts::describe() const {
  std::lock_guard lock(mutex_);
  return certificate_summary(current_.get());
}

}  // namespace mi::hub::net
