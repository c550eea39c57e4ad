// Behind load balancers (docs/protocol.md section 5): X-Forwarded-For and X-Forwarded-Proto believed
// from --trusted-proxies only, the PROXY protocol header, and --max-connections-per-address
// counted per client address as they find it.

#include <catch2/catch.hpp>

#include <memory>

#include <sys/socket.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>
#include <string>
#include <vector>

#include "protocol/proxy_protocol.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/hub_fixture.hpp"
#include "tests/support/json_pointer.hpp"
#include "tests/support/ws_client.hpp"

using namespace mi::test;
namespace proxy = mi::protocol::proxy;

namespace {

// A failed onboard from a client that a proxy at 127.0.0.1 names with X-Forwarded-For, on a
// fresh socket; the error code it gets.
std::string failed_onboard(unsigned short port, const std::string& source, const std::string& forwarded_for) {
  WsClient::Options options;
  options.source_address = source;
  if (!forwarded_for.empty()) options.headers["X-Forwarded-For"] = forwarded_for;
  WsClient client(port, options);
  if (!client.ok()) return "no connection: " + client.error();
  auto reply = onboard(client, "ZZZZZZ");
  return reply.code.empty() ? std::string("none") : reply.code;
}

std::string upgrade_request() {
  return "GET /v1/ws HTTP/1.1\r\nHost: hub\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
         "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
}

// The load balancer of the PROXY protocol tests: the tests' own requests (and the readiness
// probe) come from 127.0.0.1, a direct client.
const std::string kProxy = "127.0.0.5";

proxy::Header proxied_from(const std::string& address) {
  proxy::Header header;
  header.version = 2;
  header.source_address = address;
  header.source_port = 40000;
  header.destination_address = "127.0.0.1";
  header.destination_port = 8080;
  return header;
}

// A connection that sends `bytes` from `source` and stays open, holding what it was given, until
// it goes: the response head it got is `response`.
struct HeldConnection {
  HeldConnection(unsigned short port, const std::string& source, const std::string& bytes) : socket(io) {
    namespace asio = boost::asio;
    socket.open(asio::ip::tcp::v4());
    socket.bind(asio::ip::tcp::endpoint(asio::ip::make_address(source), 0));
    socket.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    asio::write(socket, asio::buffer(bytes));
    // A blocking read with a deadline: the hub answers an upgrade at once.
    timeval timeout{5, 0};
    setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    boost::system::error_code ec;
    asio::read_until(socket, asio::dynamic_buffer(response), "\r\n\r\n", ec);
  }
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket socket;
  std::string response;
};

}  // namespace

TEST_CASE("X-Forwarded-For from a trusted proxy gives each client its own onboard budget", "[proxies]") {
  HubFixture f({"--trusted-proxies", "127.0.0.1", "--onboard-fail-limit", "2", "--onboard-fail-delay", "0.01"});
  // Two clients behind the proxy: one uses its budget up, the other still has its own.
  CHECK(failed_onboard(f.hub.port(), "127.0.0.1", "203.0.113.5") == "invalid_code");
  CHECK(failed_onboard(f.hub.port(), "127.0.0.1", "203.0.113.5") == "invalid_code");
  CHECK(failed_onboard(f.hub.port(), "127.0.0.1", "203.0.113.5") == "rate_limited");
  CHECK(failed_onboard(f.hub.port(), "127.0.0.1", "203.0.113.6") == "invalid_code");
  // The client is the rightmost address that is not itself a trusted proxy: what the client put
  // on the left of the list buys nothing.
  CHECK(failed_onboard(f.hub.port(), "127.0.0.1", "198.51.100.1, 203.0.113.5") == "rate_limited");
  CHECK(failed_onboard(f.hub.port(), "127.0.0.1", "203.0.113.5, 127.0.0.1") == "rate_limited");
}

TEST_CASE("a forged X-Forwarded-For from a peer that is not trusted is ignored", "[proxies]") {
  HubFixture f({"--trusted-proxies", "127.0.0.1", "--onboard-fail-limit", "2", "--onboard-fail-delay", "0.01"});
  // 127.0.0.2 is not a trusted proxy: its budget is its own, whatever it claims to forward.
  CHECK(failed_onboard(f.hub.port(), "127.0.0.2", "203.0.113.10") == "invalid_code");
  CHECK(failed_onboard(f.hub.port(), "127.0.0.2", "203.0.113.11") == "invalid_code");
  CHECK(failed_onboard(f.hub.port(), "127.0.0.2", "203.0.113.12") == "rate_limited");
  CHECK(failed_onboard(f.hub.port(), "127.0.0.2", "") == "rate_limited");
}

TEST_CASE("X-Forwarded-Proto https from a trusted proxy makes the session cookie Secure", "[proxies]") {
  HubFixture f({"--trusted-proxies", "127.0.0.1"});
  auto forwarded = http_request(f.hub.port(), "POST", "/v1/session", R"({"token":"test-admin-token"})",
                                {{"X-Forwarded-Proto", "https"}, {"X-Forwarded-For", "203.0.113.5"}});
  REQUIRE(forwarded.status == 200);
  CHECK(forwarded.headers["set-cookie"].find("; Secure;") != std::string::npos);
  // No HSTS from the hub: over the proxy's TLS, the proxy answers for it.
  CHECK(forwarded.headers.count("strict-transport-security") == 0);

  HubFixture untrusted({"--trusted-proxies", "10.0.0.1"});
  auto forged = http_request(untrusted.hub.port(), "POST", "/v1/session", R"({"token":"test-admin-token"})",
                             {{"X-Forwarded-Proto", "https"}});
  REQUIRE(forged.status == 200);
  CHECK(forged.headers["set-cookie"].find("Secure") == std::string::npos);
}

TEST_CASE("--max-connections-per-address: past the limit a new connection gets 429 too_many_connections",
          "[proxies]") {
  HubFixture f({"--max-connections-per-address", "2"});
  WsClient::Options from_two;
  from_two.source_address = "127.0.0.2";
  auto first = std::make_unique<WsClient>(f.hub.port(), from_two);
  WsClient second(f.hub.port(), from_two);
  REQUIRE(first->ok());
  REQUIRE(second.ok());
  WsClient third(f.hub.port(), from_two);
  CHECK_FALSE(third.ok());
  CHECK(third.handshake_status() == 429);
  auto refused = raw_conversation(f.hub.port(), upgrade_request(), "127.0.0.2");
  CHECK(refused.received.find("HTTP/1.1 429") == 0);
  CHECK(refused.received.find("too_many_connections") != std::string::npos);
  // Another address has its own count.
  WsClient::Options from_three;
  from_three.source_address = "127.0.0.3";
  WsClient other(f.hub.port(), from_three);
  CHECK(other.ok());
  auto metrics = http_request(f.hub.port(), "GET", "/metrics");
  CHECK(metrics.body.find("mi_connections_over_address_limit_total 2\n") != std::string::npos);
  // A closed connection gives its slot back.
  first->close();
  first.reset();
  CHECK(eventually([&] {
    WsClient again(f.hub.port(), from_two);
    return again.ok();
  }));
}

TEST_CASE("behind a trusted proxy the limit counts the forwarded client, not the proxy", "[proxies]") {
  HubFixture f({"--trusted-proxies", "127.0.0.1", "--max-connections-per-address", "1"});
  WsClient::Options client_a;
  client_a.headers["X-Forwarded-For"] = "203.0.113.5";
  WsClient::Options client_b;
  client_b.headers["X-Forwarded-For"] = "203.0.113.6";
  WsClient a(f.hub.port(), client_a);
  WsClient b(f.hub.port(), client_b);
  CHECK(a.ok());
  CHECK(b.ok());
  WsClient a_again(f.hub.port(), client_a);
  CHECK(a_again.handshake_status() == 429);
}

TEST_CASE("PROXY protocol v1 and v2 from a trusted proxy name the client", "[proxies]") {
  HubFixture f({"--trusted-proxies", kProxy, "--proxy-protocol", "--max-connections-per-address", "1",
                "--proxy-header-timeout", "0.5"});
  const std::string health = "GET /healthz HTTP/1.1\r\nHost: hub\r\nConnection: close\r\n\r\n";
  auto v1 = raw_conversation(f.hub.port(), "PROXY TCP4 198.51.100.7 127.0.0.1 5555 8080\r\n" + health, kProxy);
  CHECK(v1.received.find("HTTP/1.1 200") == 0);
  auto v2 = raw_conversation(f.hub.port(), proxy::encode_v2(proxied_from("2001:db8::7")) + health, kProxy);
  CHECK(v2.received.find("HTTP/1.1 200") == 0);

  // The limit counts the address the header gives: a second WebSocket for one client is refused
  // while another client behind the same proxy gets in.
  HeldConnection held(f.hub.port(), kProxy, proxy::encode_v2(proxied_from("198.51.100.8")) + upgrade_request());
  CHECK(held.response.find("HTTP/1.1 101") == 0);
  auto second = raw_conversation(f.hub.port(), proxy::encode_v2(proxied_from("198.51.100.8")) + upgrade_request(), kProxy);
  CHECK(second.received.find("HTTP/1.1 429") == 0);
  auto other_client = raw_conversation(f.hub.port(), proxy::encode_v2(proxied_from("198.51.100.9")) + upgrade_request(),
                                       kProxy, std::chrono::milliseconds(500));
  CHECK(other_client.received.find("HTTP/1.1 101") == 0);
}

TEST_CASE("PROXY protocol: a trusted proxy without the header, or a stranger with one, is closed", "[proxies]") {
  HubFixture f({"--trusted-proxies", kProxy, "--proxy-protocol", "--proxy-header-timeout", "0.5"});
  const std::string health = "GET /healthz HTTP/1.1\r\nHost: hub\r\nConnection: close\r\n\r\n";
  auto missing = raw_conversation(f.hub.port(), health, kProxy);
  CHECK(missing.closed);
  CHECK(missing.received.empty());
  auto silent = raw_conversation(f.hub.port(), "", kProxy);
  CHECK(silent.closed);
  auto forged = raw_conversation(f.hub.port(), "PROXY TCP4 198.51.100.7 127.0.0.1 5555 8080\r\n" + health, "127.0.0.2");
  CHECK(forged.closed);
  CHECK(forged.received.empty());
  auto direct = raw_conversation(f.hub.port(), health, "127.0.0.2");
  CHECK(direct.received.find("HTTP/1.1 200") == 0);
  CHECK(eventually([&] {
    auto reply = http_request(f.hub.port(), "GET", "/metrics");
    return reply.body.find("mi_proxy_header_refusals_total 3") != std::string::npos;
  }));
}
