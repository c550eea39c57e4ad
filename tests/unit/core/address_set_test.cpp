// The --trusted-proxies list: what it reads, what it refuses and why, and which addresses it holds.
#include <catch2/catch.hpp>

#include <string>

#include "hub/core/address_set.hpp"

using mi::hub::AddressSet;
using mi::hub::IpAddress;

namespace {

AddressSet parsed(std::string_view list) {
  std::string error;
  auto set = AddressSet::parse(list, &error);
  INFO(error);
  REQUIRE(set.has_value());
  return *set;
}

// The sentence the list is refused with.
std::string refusal(std::string_view list) {
  std::string error;
  auto set = AddressSet::parse(list, &error);
  CHECK_FALSE(set.has_value());
  CHECK_FALSE(error.empty());
  return error;
}

}  // namespace

TEST_CASE("an empty or blank list is the empty set", "[address-set]") {
  for (std::string_view list : {"", " ", " \t "}) {
    auto set = parsed(list);
    CHECK(set.empty());
    CHECK_FALSE(set.contains("127.0.0.1"));
    CHECK_FALSE(set.contains("::1"));
    CHECK(set.describe().empty());
  }
}

TEST_CASE("addresses and networks of both families, with or without spaces", "[address-set]") {
  auto set = parsed("10.0.0.0/8, 192.168.1.7,::1,\tfd00::/8 ");
  CHECK_FALSE(set.empty());
  CHECK(set.describe() == "10.0.0.0/8, 192.168.1.7, ::1, fd00::/8");

  CHECK(set.contains("10.0.0.0"));
  CHECK(set.contains("10.255.255.255"));
  CHECK_FALSE(set.contains("11.0.0.0"));
  CHECK_FALSE(set.contains("9.255.255.255"));
  CHECK(set.contains("192.168.1.7"));
  CHECK_FALSE(set.contains("192.168.1.8"));
  CHECK(set.contains("::1"));
  CHECK(set.contains("0:0:0:0:0:0:0:1"));
  CHECK_FALSE(set.contains("::2"));
  CHECK(set.contains("fd12:3456::1"));
  CHECK(set.contains("FDFF:FFFF::"));
  CHECK_FALSE(set.contains("fe00::1"));
  CHECK_FALSE(set.contains("fc00::1"));
}

TEST_CASE("prefix lengths that are not whole bytes compare the bits they cover", "[address-set]") {
  auto set = parsed("172.16.0.0/12, 2001:db8:8000::/33");
  CHECK(set.contains("172.16.0.1"));
  CHECK(set.contains("172.31.255.255"));
  CHECK_FALSE(set.contains("172.32.0.0"));
  CHECK_FALSE(set.contains("172.15.255.255"));
  CHECK(set.contains("2001:db8:8000::1"));
  CHECK(set.contains("2001:db8:ffff:ffff::"));
  CHECK_FALSE(set.contains("2001:db8:7fff:ffff::"));
}

TEST_CASE("/0 holds its whole family, and IPv6's whole space holds IPv4 too", "[address-set]") {
  auto ipv4 = parsed("0.0.0.0/0");
  CHECK(ipv4.contains("1.2.3.4"));
  CHECK(ipv4.contains("255.255.255.255"));
  CHECK(ipv4.contains("::ffff:1.2.3.4"));
  CHECK_FALSE(ipv4.contains("::1"));
  CHECK_FALSE(ipv4.contains("2001:db8::1"));

  auto everything = parsed("::/0");
  CHECK(everything.contains("2001:db8::1"));
  CHECK(everything.contains("1.2.3.4"));
}

TEST_CASE("an IPv4 address and its IPv4-mapped IPv6 form are one address", "[address-set]") {
  auto set = parsed("10.0.0.0/8, ::ffff:192.0.2.0/120");
  CHECK(set.contains("::ffff:10.1.2.3"));
  CHECK(set.contains("::FFFF:a01:203"));
  CHECK(set.contains("192.0.2.200"));
  CHECK(set.contains("::ffff:192.0.2.200"));
  CHECK_FALSE(set.contains("192.0.3.1"));
  // Written as IPv4 for the log, as the hub writes the addresses it sees.
  CHECK(set.describe() == "10.0.0.0/8, 192.0.2.0/24");
  // IPv4-compatible (::a.b.c.d, deprecated) is not IPv4-mapped.
  CHECK_FALSE(set.contains("::10.1.2.3"));
}

TEST_CASE("describe writes IPv6 canonically, and single addresses without a prefix length", "[address-set]") {
  CHECK(parsed("2001:0DB8:0000::/48,2001:db8::1/128, 192.0.2.1/32").describe() ==
        "2001:db8::/48, 2001:db8::1, 192.0.2.1");
  // Shorter than the mapped range: an IPv6 network, written as one, and holding IPv4.
  auto wider = parsed("::fffe:0:0/95");
  CHECK(wider.describe() == "::fffe:0:0/95");
  CHECK(wider.contains("192.0.2.1"));
  CHECK(wider.contains("::fffe:1:2"));
}

TEST_CASE("entries that are not an address or a CIDR are refused by name", "[address-set]") {
  CHECK(refusal("10.0.0.0/8, localhost") ==
        "\"localhost\" is not an IP address or CIDR (such as 192.0.2.7 or 10.0.0.0/8)");
  for (std::string_view list : {"10.0.0", "10.0.0.0.0", "010.0.0.1", "1.2.3.256", "[::1]", "::1%eth0", "fd00::/",
                                "/8", "10.0.0.0 /8", "10.0.0.0/8/8", "*", "10.0.0.0-10.0.0.9"}) {
    INFO(list);
    refusal(list);
  }
}

TEST_CASE("prefix lengths out of range are refused", "[address-set]") {
  CHECK(refusal("10.0.0.0/33") == "\"10.0.0.0/33\": the prefix length of an IPv4 network is 0 to 32");
  CHECK(refusal("fd00::/129") == "\"fd00::/129\": the prefix length of an IPv6 network is 0 to 128");
  // The family is the text's: a mapped address takes IPv6 lengths.
  CHECK(parsed("::ffff:10.0.0.0/104").contains("10.9.9.9"));
  for (std::string_view list : {"10.0.0.0/-1", "10.0.0.0/+8", "10.0.0.0/08", "10.0.0.0/x", "fd00::/1000"}) {
    INFO(list);
    refusal(list);
  }
}

TEST_CASE("a network with bits set past its prefix is refused, naming the network meant", "[address-set]") {
  CHECK(refusal("10.0.0.1/8") == "\"10.0.0.1/8\" has bits set past its prefix length: the network is 10.0.0.0/8");
  CHECK(refusal("fd00::1/8") == "\"fd00::1/8\" has bits set past its prefix length: the network is fd00::/8");
  CHECK(refusal("172.17.0.0/12") ==
        "\"172.17.0.0/12\" has bits set past its prefix length: the network is 172.16.0.0/12");
}

TEST_CASE("empty entries are refused", "[address-set]") {
  for (std::string_view list : {"10.0.0.0/8,", ",10.0.0.0/8", "10.0.0.0/8,,::1", "10.0.0.0/8, ,::1"}) {
    INFO(list);
    CHECK(refusal(list) == "an entry is empty (two commas in a row, or a comma at an end)");
  }
  // The error pointer may be left out.
  CHECK_FALSE(AddressSet::parse("nope", nullptr).has_value());
}

TEST_CASE("text that is not an address is in no set", "[address-set]") {
  auto set = parsed("0.0.0.0/0, ::/0");
  for (std::string_view address : {"", "localhost", "1.2.3", "1.2.3.4:80", "[::1]", "::1 ", " ::1", "unknown"}) {
    INFO(address);
    CHECK_FALSE(set.contains(address));
  }
}

TEST_CASE("IpAddress reads both families and writes IPv4 for mapped addresses", "[address-set]") {
  CHECK(IpAddress::parse("192.0.2.1")->text() == "192.0.2.1");
  CHECK(IpAddress::parse("::ffff:192.0.2.1")->text() == "192.0.2.1");
  CHECK(IpAddress::parse("::ffff:c000:201")->text() == "192.0.2.1");
  CHECK(*IpAddress::parse("::ffff:192.0.2.1") == *IpAddress::parse("192.0.2.1"));
  CHECK(IpAddress::parse("192.0.2.1")->is_ipv4());
  CHECK(IpAddress::parse("2001:DB8:0:0::1")->text() == "2001:db8::1");
  CHECK_FALSE(IpAddress::parse("2001:db8::1")->is_ipv4());
  CHECK_FALSE(IpAddress::parse("192.0.2.1 ").has_value());
  // A NUL would end inet_pton's string: the text before it is not taken for the address.
  CHECK_FALSE(IpAddress::parse(std::string_view("192.0.2.1\0junk", 14)).has_value());
  CHECK_FALSE(IpAddress::parse(std::string_view("::1\0", 4)).has_value());
  CHECK_FALSE(IpAddress::parse(std::string(100, '1')).has_value());
}
