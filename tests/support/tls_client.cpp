#include "tests/support/tls_client.hpp"

#include "tests/support/io_runner.hpp"

#include <cstdio>
#include <stdexcept>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <openssl/pem.h>
#include <openssl/x509.h>

namespace mi::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
namespace websocket = beast::websocket;

namespace {

using TlsStream = beast::ssl_stream<beast::tcp_stream>;

ssl::context make_context(const TlsClientOptions& options) {
  ssl::context context(ssl::context::tls_client);
  context.set_verify_mode(ssl::verify_peer);
  if (!options.ca_file.empty()) context.load_verify_file(options.ca_file);
  SSL_CTX_set_min_proto_version(context.native_handle(), options.min_version != 0 ? options.min_version : TLS1_2_VERSION);
  if (options.min_version != 0 && options.min_version < TLS1_2_VERSION) {
    // OpenSSL 3 refuses TLS 1.0 and 1.1 at its default security level; a probe of a server's
    // refusal must be able to offer them.
    SSL_CTX_set_security_level(context.native_handle(), 0);
  }
  if (options.max_version != 0) SSL_CTX_set_max_proto_version(context.native_handle(), options.max_version);
  return context;
}

// Sets the name checked and sent (SNI is not sent for an address, as RFC 6066 says).
void prepare(TlsStream& stream, const TlsClientOptions& options) {
  SSL* ssl = stream.native_handle();
  X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), "127.0.0.1");
  if (!options.alpn.empty()) {
    std::string wire(1, static_cast<char>(options.alpn.size()));
    wire += options.alpn;
    SSL_set_alpn_protos(ssl, reinterpret_cast<const unsigned char*>(wire.data()), static_cast<unsigned>(wire.size()));
  }
}

std::string fingerprint(X509* certificate) {
  if (certificate == nullptr) return {};
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  X509_digest(certificate, EVP_sha256(), digest, &size);
  std::string hex;
  char byte[3];
  for (unsigned i = 0; i < size; ++i) {
    std::snprintf(byte, sizeof byte, "%02x", digest[i]);
    hex += byte;
  }
  return hex;
}

std::string peer_fingerprint(SSL* ssl) {
  X509* certificate = SSL_get1_peer_certificate(ssl);
  auto text = fingerprint(certificate);
  X509_free(certificate);
  return text;
}

// Connects and handshakes `stream`; the error, if any.
beast::error_code connect_tls(asio::io_context& io, TlsStream& stream, unsigned short port,
                              const TlsClientOptions& options) {
  prepare(stream, options);
  beast::error_code result;
  bool done = false;
  auto& tcp = beast::get_lowest_layer(stream);
  tcp.expires_after(options.timeout);
  tcp.async_connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), [&](beast::error_code ec) {
    if (ec) {
      result = ec;
      done = true;
      return;
    }
    stream.async_handshake(ssl::stream_base::client, [&](beast::error_code hs) {
      result = hs;
      done = true;
    });
  });
  if (!run_until(io, [&] { return done; }, options.timeout + 1s)) return asio::error::timed_out;
  return result;
}

std::string describe(const beast::error_code& ec, TlsStream& stream) {
  std::string text = ec.message();
  long verify = SSL_get_verify_result(stream.native_handle());
  if (verify != X509_V_OK) text += " (" + std::string(X509_verify_cert_error_string(verify)) + ")";
  return text;
}

}  // namespace

HttpReply https_request(unsigned short port, const std::string& method, const std::string& target,
                        const TlsClientOptions& tls, const std::string& body,
                        const std::map<std::string, std::string>& headers) {
  HttpReply reply;
  asio::io_context io;
  auto context = make_context(tls);
  TlsStream stream(io, context);
  if (auto ec = connect_tls(io, stream, port, tls)) {
    reply.error = "TLS: " + describe(ec, stream);
    return reply;
  }
  auto request = build_request(port, method, target, body, headers);
  beast::flat_buffer buffer;
  http::response<http::string_body> response;
  bool done = false;
  beast::get_lowest_layer(stream).expires_after(tls.timeout);
  http::async_write(stream, request, [&](beast::error_code write_error, std::size_t) {
    if (write_error) {
      reply.error = "write: " + write_error.message();
      done = true;
      return;
    }
    http::async_read(stream, buffer, response, [&](beast::error_code read_error, std::size_t) {
      done = true;
      if (read_error) reply.error = "read: " + read_error.message();
    });
  });
  if (!run_until(io, [&] { return done; }, tls.timeout + 1s)) reply.error = "no reply";
  if (!done || !reply.error.empty()) return reply;
  reply = to_reply(response);
  return reply;
}

TlsProbe tls_probe(unsigned short port, const TlsClientOptions& tls) {
  TlsProbe probe;
  asio::io_context io;
  auto context = make_context(tls);
  TlsStream stream(io, context);
  if (auto ec = connect_tls(io, stream, port, tls)) {
    probe.error = describe(ec, stream);
    return probe;
  }
  probe.ok = true;
  probe.version = SSL_get_version(stream.native_handle());
  const unsigned char* alpn = nullptr;
  unsigned int alpn_size = 0;
  SSL_get0_alpn_selected(stream.native_handle(), &alpn, &alpn_size);
  probe.alpn.assign(reinterpret_cast<const char*>(alpn), alpn_size);
  probe.certificate = peer_fingerprint(stream.native_handle());
  return probe;
}

std::string certificate_fingerprint(const std::string& pem_file) {
  FILE* file = std::fopen(pem_file.c_str(), "r");
  if (file == nullptr) throw std::runtime_error("cannot open " + pem_file);
  X509* certificate = PEM_read_X509(file, nullptr, nullptr, nullptr);
  std::fclose(file);
  auto text = fingerprint(certificate);
  X509_free(certificate);
  return text;
}

struct WssClient::Impl {
  explicit Impl(const TlsClientOptions& options) : context(make_context(options)), ws(io, context) {}
  asio::io_context io;
  ssl::context context;
  websocket::stream<TlsStream> ws;
  beast::flat_buffer buffer;
  bool closed = false;
};

WssClient::WssClient(unsigned short port, const TlsClientOptions& tls) : impl_(std::make_unique<Impl>(tls)) {
  auto& ws = impl_->ws;
  if (auto ec = connect_tls(impl_->io, ws.next_layer(), port, tls)) {
    error_ = "TLS: " + describe(ec, ws.next_layer());
    return;
  }
  certificate_ = peer_fingerprint(ws.next_layer().native_handle());
  beast::error_code result;
  bool done = false;
  ws.async_handshake("127.0.0.1:" + std::to_string(port), "/v1/ws", [&](beast::error_code ec) {
    result = ec;
    done = true;
  });
  if (!run_until(impl_->io, [&] { return done; }, tls.timeout + 1s)) {
    error_ = "upgrade timed out";
    return;
  }
  if (result) {
    error_ = "upgrade: " + result.message();
    return;
  }
  beast::get_lowest_layer(ws).expires_never();
  ok_ = true;
}

WssClient::~WssClient() = default;

bool WssClient::send(std::string_view text) {
  if (!ok_ || impl_->closed) return false;
  bool done = false;
  beast::error_code result;
  impl_->ws.text(true);
  impl_->ws.async_write(asio::buffer(text.data(), text.size()), [&](beast::error_code ec, std::size_t) {
    result = ec;
    done = true;
  });
  if (!run_until(impl_->io, [&] { return done; }, 5s) || result) {
    impl_->closed = true;
    return false;
  }
  return true;
}

std::optional<std::string> WssClient::receive(std::chrono::milliseconds timeout) {
  if (!ok_ || impl_->closed) return std::nullopt;
  bool done = false;
  beast::error_code result;
  impl_->ws.async_read(impl_->buffer, [&](beast::error_code ec, std::size_t) {
    result = ec;
    done = true;
  });
  if (!run_until(impl_->io, [&] { return done; }, timeout)) {
    // A read cannot be left pending on a loop that stops: the connection is given up.
    beast::get_lowest_layer(impl_->ws).close();
    run_until(impl_->io, [&] { return done; }, 1s);
    impl_->closed = true;
    return std::nullopt;
  }
  if (result) {
    impl_->closed = true;
    return std::nullopt;
  }
  std::string text = beast::buffers_to_string(impl_->buffer.data());
  impl_->buffer.consume(impl_->buffer.size());
  return text;
}

std::string WssClient::expect(std::string_view type, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string seen;
  const std::string wanted = "\"type\":\"" + std::string(type) + "\"";
  while (std::chrono::steady_clock::now() < deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    auto message = receive(std::max(left, 1ms));
    if (!message) break;
    if (message->find(wanted) != std::string::npos) return *message;
    seen += *message + "\n";
  }
  throw std::runtime_error("no '" + std::string(type) + "' message over TLS; got:\n" + seen);
}

}  // namespace mi::test
