// Who the client is behind trusted load balancers: X-Forwarded-For walked from the right,
// X-Forwarded-Proto, and the address forms the hub counts by.
#include <catch2/catch.hpp>

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "hub/core/forwarded_client.hpp"

using mi::hub::AddressSet;
using mi::hub::forwarded_client;
using mi::hub::forwarded_proto;
using mi::hub::normalized_address;

namespace {

AddressSet trusted_proxies(std::string_view list) {
  auto set = AddressSet::parse(list, nullptr);
  REQUIRE(set.has_value());
  return *set;
}

std::string client(std::string_view peer, std::vector<std::string_view> lines, const AddressSet& trusted) {
  return forwarded_client(peer, lines, trusted);
}

std::optional<std::string_view> proto(std::string_view peer, std::vector<std::string_view> lines,
                                      const AddressSet& trusted) {
  return forwarded_proto(peer, lines, trusted);
}

}  // namespace

TEST_CASE("a peer that is not trusted is the client, whatever its headers say", "[forwarded]") {
  const auto trusted = trusted_proxies("10.0.0.0/8");
  CHECK(client("203.0.113.9", {"198.51.100.1"}, trusted) == "203.0.113.9");
  CHECK(client("203.0.113.9", {"10.0.0.1, 198.51.100.1", "1.1.1.1"}, trusted) == "203.0.113.9");
  CHECK(client("::ffff:203.0.113.9", {"198.51.100.1"}, trusted) == "203.0.113.9");
  CHECK(client("2001:DB8::9", {"198.51.100.1"}, trusted) == "2001:db8::9");
  // No trusted proxy at all: nobody's headers count.
  CHECK(client("10.0.0.1", {"198.51.100.1"}, AddressSet{}) == "10.0.0.1");
}

TEST_CASE("a trusted peer's X-Forwarded-For names the client", "[forwarded]") {
  const auto trusted = trusted_proxies("10.0.0.0/8");
  CHECK(client("10.0.0.1", {"198.51.100.1"}, trusted) == "198.51.100.1");
  CHECK(client("::ffff:10.0.0.1", {" 198.51.100.1 "}, trusted) == "198.51.100.1");
  // What the client wrote itself is left of what the proxy appended, and is not believed.
  CHECK(client("10.0.0.1", {"6.6.6.6, 198.51.100.1"}, trusted) == "198.51.100.1");
  CHECK(client("10.0.0.1", {"6.6.6.6", "198.51.100.1"}, trusted) == "198.51.100.1");
  // Without the header the proxy itself is the client (its own health checks).
  CHECK(client("10.0.0.1", {}, trusted) == "10.0.0.1");
  CHECK(client("10.0.0.1", {""}, trusted) == "10.0.0.1");
}

TEST_CASE("a chain of trusted proxies is walked to the first untrusted address", "[forwarded]") {
  const auto trusted = trusted_proxies("10.0.0.0/8, fd00::/8");
  // client -> CDN edge (untrusted, appended by our LB) ... each trusted hop appends its peer.
  CHECK(client("10.0.0.1", {"198.51.100.1, 10.1.1.1, fd00::2"}, trusted) == "198.51.100.1");
  CHECK(client("10.0.0.1", {"6.6.6.6, 198.51.100.1", "10.1.1.1", "fd00::2"}, trusted) == "198.51.100.1");
  // All trusted: the leftmost is as far as the proxies vouch.
  CHECK(client("10.0.0.1", {"10.3.3.3, 10.2.2.2"}, trusted) == "10.3.3.3");
  // A forged trusted address on the left gains nothing once an untrusted one stands to its right.
  CHECK(client("10.0.0.1", {"10.9.9.9, 198.51.100.1, 10.1.1.1"}, trusted) == "198.51.100.1");
}

TEST_CASE("a malformed entry stops the walk at the nearest trusted hop", "[forwarded]") {
  const auto trusted = trusted_proxies("10.0.0.0/8");
  CHECK(client("10.0.0.1", {"garbage"}, trusted) == "10.0.0.1");
  CHECK(client("10.0.0.1", {"198.51.100.1, unknown"}, trusted) == "10.0.0.1");
  CHECK(client("10.0.0.1", {"198.51.100.1, garbage, 10.2.2.2"}, trusted) == "10.2.2.2");
  CHECK(client("10.0.0.1", {"198.51.100.1", "_hidden", "10.2.2.2"}, trusted) == "10.2.2.2");
  for (std::string_view bad : std::initializer_list<std::string_view>{"1.2.3", "1.2.3.4:", "1.2.3.4:65536", "1.2.3.4:x", "[1.2.3.4]", "[::1", "[::1]x",
                               "[::1]:", "::1%eth0", "1.2.3.4 5.6.7.8", "abc:80", "2001:db8::1]",
                               std::string_view("6.6.6.6\0", 8)}) {
    INFO(bad);
    CHECK(client("10.0.0.1", {bad}, trusted) == "10.0.0.1");
  }
}

TEST_CASE("empty list elements are skipped, not taken as malformed", "[forwarded]") {
  const auto trusted = trusted_proxies("10.0.0.0/8");
  CHECK(client("10.0.0.1", {"198.51.100.1, "}, trusted) == "198.51.100.1");
  CHECK(client("10.0.0.1", {"198.51.100.1,,10.2.2.2"}, trusted) == "198.51.100.1");
  CHECK(client("10.0.0.1", {"198.51.100.1", "", " , "}, trusted) == "198.51.100.1");
}

TEST_CASE("entries with ports and brackets give the bare, normalized address", "[forwarded]") {
  const auto trusted = trusted_proxies("10.0.0.0/8");
  CHECK(client("10.0.0.1", {"198.51.100.1:5678"}, trusted) == "198.51.100.1");
  CHECK(client("10.0.0.1", {"[2001:DB8::1]:80"}, trusted) == "2001:db8::1");
  CHECK(client("10.0.0.1", {"[2001:db8::1]"}, trusted) == "2001:db8::1");
  CHECK(client("10.0.0.1", {"2001:db8:0:0::1"}, trusted) == "2001:db8::1");
  CHECK(client("10.0.0.1", {"::ffff:198.51.100.1"}, trusted) == "198.51.100.1");
  CHECK(client("10.0.0.1", {"[::ffff:198.51.100.1]:443"}, trusted) == "198.51.100.1");
  // Bare IPv6 is an address, not an address and a port.
  CHECK(client("10.0.0.1", {"fd00::1:80"}, trusted) == "fd00::1:80");
  // A trusted hop given with a port is still trusted.
  CHECK(client("10.0.0.1", {"198.51.100.1, 10.2.2.2:1234"}, trusted) == "198.51.100.1");
  CHECK(client("10.0.0.1", {"198.51.100.1, [::ffff:10.2.2.2]:1"}, trusted) == "198.51.100.1");
}

TEST_CASE("X-Forwarded-Proto is believed from trusted peers only, its rightmost value", "[forwarded]") {
  const auto trusted = trusted_proxies("10.0.0.0/8");
  CHECK(proto("10.0.0.1", {"https"}, trusted) == std::optional<std::string_view>("https"));
  CHECK(proto("10.0.0.1", {"HTTP"}, trusted) == std::optional<std::string_view>("http"));
  CHECK(proto("::ffff:10.0.0.1", {" Https "}, trusted) == std::optional<std::string_view>("https"));
  CHECK(proto("10.0.0.1", {"http, https"}, trusted) == std::optional<std::string_view>("https"));
  CHECK(proto("10.0.0.1", {"https", "http"}, trusted) == std::optional<std::string_view>("http"));
  CHECK(proto("10.0.0.1", {"http, https, "}, trusted) == std::optional<std::string_view>("https"));

  CHECK_FALSE(proto("203.0.113.9", {"https"}, trusted).has_value());
  CHECK_FALSE(proto("10.0.0.1", {}, trusted).has_value());
  CHECK_FALSE(proto("10.0.0.1", {""}, trusted).has_value());
  CHECK_FALSE(proto("10.0.0.1", {"wss"}, trusted).has_value());
  // The rightmost value decides even when unknown: an older "https" to its left is not taken.
  CHECK_FALSE(proto("10.0.0.1", {"https, gopher"}, trusted).has_value());
  CHECK_FALSE(proto("10.0.0.1", {"httpsx"}, trusted).has_value());
}

TEST_CASE("addresses are counted in one form", "[forwarded]") {
  CHECK(normalized_address("192.0.2.1") == "192.0.2.1");
  CHECK(normalized_address("::ffff:192.0.2.1") == "192.0.2.1");
  CHECK(normalized_address("::FFFF:C000:0201") == "192.0.2.1");
  CHECK(normalized_address("2001:0db8:0000:0000:0000:0000:0000:0001") == "2001:db8::1");
  CHECK(normalized_address("::1") == "::1");
  CHECK(normalized_address("not an address") == "not an address");
  CHECK(normalized_address("") == "");
}
