// The hub terminating TLS itself (docs/protocol.md section 5): HTTPS and WSS on --listen, TLS 1.2 and
// 1.3 only, ALPN http/1.1, HSTS, the handshake deadline, and SIGHUP reloading the pair for new
// connections while open ones stay.

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

#include <openssl/ssl.h>

#include "tests/support/eventually.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/hub_process.hpp"
#include "tests/support/json_pointer.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/test_certificates.hpp"
#include "tests/support/test_redis.hpp"
#include "tests/support/tls_client.hpp"

using namespace mi::test;
namespace fs = std::filesystem;

namespace {

const TestCertificates& certificates() {
  static const TestCertificates made;
  return made;
}

struct TlsHub {
  explicit TlsHub(std::vector<std::string> extra_args = {}, CertificatePair pair = certificates().server())
      : hub([&] {
          // The hub reads its pair from files of its own, so that a test can replace them.
          fs::copy_file(pair.cert, cert_path(), fs::copy_options::overwrite_existing);
          fs::copy_file(pair.key, key_path(), fs::copy_options::overwrite_existing);
          HubOptions options;
          options.redis_url = redis.process.url();
          options.tls_cert = cert_path();
          options.tls_key = key_path();
          options.ca_file = certificates().ca_file();
          options.extra_args = std::move(extra_args);
          return options;
        }()) {}

  std::string cert_path() const { return (files.path() / "hub.pem").string(); }
  std::string key_path() const { return (files.path() / "hub.key").string(); }
  TlsClientOptions client() const { return {certificates().ca_file()}; }
  HttpReply admin(const std::string& method, const std::string& target, const std::string& body = "") const {
    return https_request(hub.port(), method, target, client(), body, {{"authorization", "Bearer " + hub.admin_token()}});
  }
  // An agent invite of colony c1, over HTTPS; its code (the test stops without one).
  std::string create_invite() const {
    auto created = admin("POST", "/v1/colonies/c1/invites", R"({"type":"agent"})");
    auto code = json_at(created.body, "/code");
    if (created.status != 201 || !code) throw std::runtime_error("creating an invite failed: " + created.body);
    return *code;
  }

  TempDir files{"mi-tls-hub"};
  TestRedis redis;
  HubProcess hub;
};

}  // namespace

TEST_CASE("with --tls-cert the hub serves HTTPS: TLS 1.2 and 1.3, ALPN http/1.1, HSTS", "[tls]") {
  TlsHub f;
  auto health = https_request(f.hub.port(), "GET", "/healthz", f.client());
  REQUIRE(health.status == 200);
  CHECK(health.headers["strict-transport-security"] == "max-age=31536000");

  auto newest = tls_probe(f.hub.port(), f.client());
  REQUIRE(newest.ok);
  CHECK(newest.version == "TLSv1.3");
  CHECK(newest.alpn == "http/1.1");
  CHECK(newest.certificate == certificate_fingerprint(certificates().server().cert));

  auto tls12_options = f.client();
  tls12_options.max_version = TLS1_2_VERSION;
  auto tls12 = tls_probe(f.hub.port(), tls12_options);
  REQUIRE(tls12.ok);
  CHECK(tls12.version == "TLSv1.2");

  auto old_options = f.client();
  old_options.min_version = TLS1_VERSION;
  old_options.max_version = TLS1_1_VERSION;
  auto old = tls_probe(f.hub.port(), old_options);
  CHECK_FALSE(old.ok);

  // A client that offers only another protocol still gets HTTP/1.1, with no ALPN answer.
  auto h2_options = f.client();
  h2_options.alpn = "h2";
  auto h2 = tls_probe(f.hub.port(), h2_options);
  REQUIRE(h2.ok);
  CHECK(h2.alpn.empty());
}

TEST_CASE("over TLS invite links and the page's command are https://, and plain HTTP gets nothing", "[tls]") {
  TlsHub f;
  auto created = f.admin("POST", "/v1/colonies/c1/invites", R"({"type":"agent"})");
  REQUIRE(created.status == 201);
  auto code = json_at(created.body, "/code");
  REQUIRE(code);
  auto url = "https://127.0.0.1:" + std::to_string(f.hub.port());
  CHECK(json_at(created.body, "/url") == std::optional<std::string>(url + "/r/" + *code));
  auto page = https_request(f.hub.port(), "GET", "/r/" + *code, f.client());
  REQUIRE(page.status == 200);
  CHECK(page.body.find("mi agent onboard " + *code + " --hub " + url) != std::string::npos);

  // Plain HTTP on the TLS port is not a TLS ClientHello: the handshake fails and the hub closes.
  auto plain = raw_conversation(f.hub.port(), "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  CHECK(plain.closed);
  CHECK(plain.received.find("HTTP/1.1 200") == std::string::npos);
}

TEST_CASE("an agent onboards and stays connected over WSS", "[tls]") {
  TlsHub f;
  auto code = f.create_invite();
  WssClient agent(f.hub.port(), f.client());
  REQUIRE(agent.ok());
  REQUIRE(agent.send(R"({"type":"onboard","code":")" + code + R"(","name":"jared"})"));
  auto welcome = agent.expect("welcome");
  CHECK(json_at(welcome, "/agent/status") == std::optional<std::string>("online"));
  // Messages larger than one TLS record (16 KiB) come and go whole.
  std::string meta(900, 'x');
  for (int i = 0; i < 40; ++i) REQUIRE(agent.send(R"({"type":"heartbeat","padding":")" + meta + R"("})"));
  REQUIRE(agent.send(R"({"type":"ping","id":"after-burst"})"));
  auto pong = agent.expect("pong");
  CHECK(json_at(pong, "/id") == std::optional<std::string>("after-burst"));
  auto agents = f.admin("GET", "/v1/colonies/c1/agents");
  CHECK(json_at(agents.body, "/agents/0/status") == std::optional<std::string>("online"));
}

TEST_CASE("a connection that does not finish its TLS handshake in time is closed", "[tls]") {
  TlsHub f({"--tls-handshake-timeout", "0.3"});
  // Nothing sent: the hub waits for a ClientHello until the deadline, then closes.
  auto silent = raw_conversation(f.hub.port(), "", "", std::chrono::seconds(5));
  CHECK(silent.closed);
  CHECK(silent.received.empty());
  CHECK(eventually([&] {
    auto metrics = https_request(f.hub.port(), "GET", "/metrics", f.client());
    return metrics.body.find("mi_tls_handshake_failures_total 1") != std::string::npos;
  }));
}

TEST_CASE("SIGHUP reloads the certificate for new connections; open ones stay; a bad pair is refused", "[tls]") {
  TlsHub f;
  auto code = f.create_invite();
  WssClient before(f.hub.port(), f.client());
  REQUIRE(before.ok());
  REQUIRE(before.send(R"({"type":"onboard","code":")" + code + R"("})"));
  CHECK_NOTHROW(before.expect("welcome"));
  CHECK(before.certificate() == certificate_fingerprint(certificates().server().cert));

  fs::copy_file(certificates().server_again().cert, f.cert_path(), fs::copy_options::overwrite_existing);
  fs::copy_file(certificates().server_again().key, f.key_path(), fs::copy_options::overwrite_existing);
  f.hub.send_sighup();
  const auto renewed = certificate_fingerprint(certificates().server_again().cert);
  CHECK(eventually([&] { return tls_probe(f.hub.port(), f.client()).certificate == renewed; }));

  // The connection made before the reload goes on, on its own keys.
  REQUIRE(before.send(R"({"type":"ping","id":1})"));
  CHECK_NOTHROW(before.expect("pong"));

  // A key that does not belong to the certificate: the hub keeps the pair it has and says why.
  fs::copy_file(certificates().server().key, f.key_path(), fs::copy_options::overwrite_existing);
  f.hub.send_sighup();
  CHECK(eventually([&] { return f.hub.log().find("kept the current certificate") != std::string::npos; }));
  auto after_bad = tls_probe(f.hub.port(), f.client());
  REQUIRE(after_bad.ok);
  CHECK(after_bad.certificate == renewed);
  CHECK(f.hub.running());
}

TEST_CASE("the hub refuses to start with a pair that does not load, saying why", "[tls]") {
  TestRedis redis;
  HubOptions options;
  options.redis_url = redis.process.url();
  options.tls_cert = certificates().server().cert;
  options.tls_key = certificates().other_name().key;
  options.ca_file = certificates().ca_file();
  try {
    HubProcess hub(options);
    FAIL("the hub started with a key of another certificate");
  } catch (const std::runtime_error& error) {
    CHECK(std::string(error.what()).find("does not belong to the certificate") != std::string::npos);
  }
}

TEST_CASE("with an https public URL the admin session cookie is Secure", "[tls]") {
  TestRedis redis;
  HubOptions options;
  options.redis_url = redis.process.url();
  options.extra_args = {"--public-url", "https://hub.example"};
  HubProcess hub(options);
  auto signed_in = http_request(hub.port(), "POST", "/v1/session", R"({"token":"test-admin-token"})");
  REQUIRE(signed_in.status == 200);
  CHECK(signed_in.headers["set-cookie"].find("; Secure;") != std::string::npos);

  HubOptions plain_options;
  plain_options.redis_url = redis.process.url();
  HubProcess plain(plain_options);
  auto plain_sign_in = http_request(plain.port(), "POST", "/v1/session", R"({"token":"test-admin-token"})");
  REQUIRE(plain_sign_in.status == 200);
  CHECK(plain_sign_in.headers["set-cookie"].find("Secure") == std::string::npos);
}
