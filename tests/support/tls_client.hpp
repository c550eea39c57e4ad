#pragma once
// Blocking TLS clients for tests, with a deadline on every step: one HTTPS request, a look at
// what a TLS handshake gives (version, ALPN, the server's certificate), and a WebSocket over TLS.
// Each verifies the server against `ca_file` and the name 127.0.0.1, as mi does.

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "tests/support/http_client.hpp"

namespace mi::test {

using namespace std::chrono_literals;

struct TlsClientOptions {
  std::string ca_file;                 // the private CA the server's certificate is checked against
  int max_version = 0;                 // e.g. TLS1_2_VERSION to offer no more; 0: any
  int min_version = 0;                 // e.g. TLS1_1_VERSION to offer older ones too (see tls_probe)
  std::string alpn = "http/1.1";       // offered protocols, one only; empty: none
  std::chrono::milliseconds timeout = 5s;
};

HttpReply https_request(unsigned short port, const std::string& method, const std::string& target,
                        const TlsClientOptions& tls, const std::string& body = "",
                        const std::map<std::string, std::string>& headers = {});

struct TlsProbe {
  bool ok = false;
  std::string error;        // why the handshake failed
  std::string version;      // "TLSv1.3"
  std::string alpn;         // what the server chose, "" if nothing
  std::string certificate;  // the server certificate's SHA-256 fingerprint, hex
};

// A TLS handshake and nothing else.
TlsProbe tls_probe(unsigned short port, const TlsClientOptions& tls);

// The SHA-256 fingerprint (hex) of the first certificate of a PEM file, as TlsProbe reports it.
std::string certificate_fingerprint(const std::string& pem_file);

// A WebSocket over TLS to /v1/ws.
class WssClient {
 public:
  WssClient(unsigned short port, const TlsClientOptions& tls);
  ~WssClient();
  WssClient(const WssClient&) = delete;
  WssClient& operator=(const WssClient&) = delete;

  bool ok() const { return ok_; }
  const std::string& error() const { return error_; }
  // The server certificate this connection was made with.
  const std::string& certificate() const { return certificate_; }

  bool send(std::string_view text);
  // The next text message; nothing on timeout or close.
  std::optional<std::string> receive(std::chrono::milliseconds timeout = 5s);
  // The next message whose "type" is `type` (others dropped); throws with what came otherwise.
  std::string expect(std::string_view type, std::chrono::milliseconds timeout = 5s);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  bool ok_ = false;
  std::string error_;
  std::string certificate_;
};

}  // namespace mi::test
