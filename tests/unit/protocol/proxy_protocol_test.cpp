// The PROXY protocol header parser (v1 text, v2 binary) and its encoders, fed whole headers,
// every prefix of them, and bytes that are not headers.
#include <catch2/catch.hpp>

#include <arpa/inet.h>

#include <cstdint>
#include <cstdio>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "protocol/proxy_protocol.hpp"

using namespace mi::protocol::proxy;
using Kind = ParseResult::Kind;

namespace {

const std::string kSignature("\r\n\r\n\0\r\nQUIT\n", 12);

std::string big_endian_16(unsigned value) {
  return {static_cast<char>(value >> 8), static_cast<char>(value & 0xFF)};
}

// A v2 header written byte by byte, independently of encode_v2.
std::string v2(unsigned char version_command, unsigned char family, const std::string& after_fixed) {
  return kSignature + static_cast<char>(version_command) + static_cast<char>(family) +
         big_endian_16(static_cast<unsigned>(after_fixed.size())) + after_fixed;
}

std::string bytes(std::initializer_list<int> values) {
  std::string out;
  for (int value : values) out += static_cast<char>(value);
  return out;
}

Header tcp(std::string source, std::uint16_t source_port, std::string destination, std::uint16_t destination_port,
           int version) {
  Header header;
  header.version = version;
  header.source_address = std::move(source);
  header.source_port = source_port;
  header.destination_address = std::move(destination);
  header.destination_port = destination_port;
  return header;
}

// Bytes as C would write them, for the test's messages.
std::string printable(std::string_view input) {
  std::string out;
  for (unsigned char c : input) {
    if (c >= 0x20 && c < 0x7F && c != '\\') {
      out += static_cast<char>(c);
    } else {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\x%02X", c);
      out += escaped;
    }
  }
  return out;
}

// The shortest prefix of `input` that parses as invalid; input.size() + 1 when none does.
std::size_t first_invalid_at(const std::string& input) {
  for (std::size_t size = 0; size <= input.size(); ++size) {
    if (parse(std::string_view(input).substr(0, size)).kind == Kind::invalid) return size;
  }
  return input.size() + 1;
}

// Every proper prefix of a complete header asks for more, and never for more than the header.
void check_every_prefix_needs_more(const std::string& header) {
  for (std::size_t size = 0; size < header.size(); ++size) {
    auto result = parse(std::string_view(header).substr(0, size));
    INFO("prefix of " << size << " bytes of " << header.size());
    REQUIRE(result.kind == Kind::need_more);
    CHECK(result.needed > size);
    CHECK(result.needed <= header.size());
  }
}

}  // namespace

TEST_CASE("v1 TCP4 gives the addresses and ports, and leaves the client's bytes", "[proxy]") {
  const std::string header = "PROXY TCP4 192.0.2.1 198.51.100.7 56324 443\r\n";
  auto result = parse(header + "GET / HTTP/1.1\r\n");
  REQUIRE(result.kind == Kind::complete);
  CHECK(result.consumed == header.size());
  CHECK(result.header == tcp("192.0.2.1", 56324, "198.51.100.7", 443, 1));
  CHECK_FALSE(result.header.local);
  CHECK(result.error == nullptr);
}

TEST_CASE("v1 TCP6 gives the addresses as inet_ntop writes them", "[proxy]") {
  auto result = parse("PROXY TCP6 2001:0DB8:0000:0000:0000:0000:0000:0001 ::1 0 65535\r\n");
  REQUIRE(result.kind == Kind::complete);
  CHECK(result.header == tcp("2001:db8::1", 0, "::1", 65535, 1));

  // A mapped IPv4 address as HAProxy writes one (inet_ntop's dotted tail).
  result = parse("PROXY TCP6 ::ffff:192.0.2.1 ::ffff:10.0.0.1 4000 80\r\n");
  REQUIRE(result.kind == Kind::complete);
  CHECK(result.header == tcp("::ffff:192.0.2.1", 4000, "::ffff:10.0.0.1", 80, 1));
}

TEST_CASE("v1 UNKNOWN is local, with or without the rest of the line", "[proxy]") {
  for (std::string header : {"PROXY UNKNOWN\r\n", "PROXY UNKNOWN 1.2.3.4 5.6.7.8 1 2\r\n", "PROXY UNKNOWN \r\n",
                             "PROXY UNKNOWN anything \xff\n\r at all\r\n"}) {
    auto result = parse(header + "\x16\x03\x01");
    INFO(header);
    REQUIRE(result.kind == Kind::complete);
    CHECK(result.consumed == header.size());
    CHECK(result.header.version == 1);
    CHECK(result.header.local);
    CHECK(result.header.source_address.empty());
    CHECK(result.header.destination_address.empty());
  }
}

TEST_CASE("the longest v1 line is 107 bytes; one byte more is too long", "[proxy]") {
  const std::string longest =
      "PROXY UNKNOWN ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n";
  REQUIRE(longest.size() == kMaxV1Bytes);
  auto result = parse(longest);
  REQUIRE(result.kind == Kind::complete);
  CHECK(result.consumed == kMaxV1Bytes);

  const std::string too_long = "PROXY UNKNOWN " + std::string(92, 'x') + "\r\n";
  REQUIRE(too_long.size() == kMaxV1Bytes + 1);
  // 107 bytes without their CRLF: nothing can end the line in time any more.
  CHECK(first_invalid_at(too_long) == kMaxV1Bytes);
  CHECK(parse(too_long).error == std::string("v1 line too long"));
}

TEST_CASE("every prefix of a valid v1 header needs more", "[proxy]") {
  for (std::string header : {
           "PROXY TCP4 192.0.2.1 198.51.100.7 56324 443\r\n",
           "PROXY TCP4 0.0.0.0 255.255.255.255 0 65535\r\n",
           "PROXY TCP6 2001:db8::1 2001:db8:0:0:1:0:0:1 1 2\r\n",
           "PROXY TCP6 ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n",
           "PROXY TCP6 ::ffff:192.0.2.1 ::1 9 10\r\n",
           "PROXY UNKNOWN\r\n",
           "PROXY UNKNOWN whatever\r\n",
       }) {
    INFO(header);
    REQUIRE(parse(header).kind == Kind::complete);
    check_every_prefix_needs_more(header);
    // v1 is read a byte at a time: the next byte may already say that it cannot be a header.
    CHECK(parse(header.substr(0, 9)).needed == 10);
  }
}

TEST_CASE("every prefix of a v1 TCP6 line needs more, whatever form inet_pton reads", "[proxy]") {
  std::vector<std::string> addresses = {
      "::", "::1", "1::", "1:2:3:4:5:6:7::", "::1:2:3:4:5:6:7", "1:2:3:4:5:6:7:8", "1::8", "fe80::1:2",
      "0000:0000:0000:0000:0000:0000:0000:0000", "ABCD:ef01::", "::1.2.3.4", "::ffff:255.255.255.255",
      "1:2:3:4:5:6:1.2.3.4", "1::5:6:7:0.0.0.0", "1:2:3:4:5::1.2.3.4", "64:ff9b::192.0.2.33",
  };
  // And what inet_ntop writes for addresses with runs of zero groups of every length and place.
  std::mt19937 random(20240611);
  for (int i = 0; i < 400; ++i) {
    unsigned char address[16];
    for (auto& byte : address) byte = static_cast<unsigned char>(random() % 4 == 0 ? random() : 0);
    char text[INET6_ADDRSTRLEN];
    REQUIRE(inet_ntop(AF_INET6, address, text, sizeof text) != nullptr);
    addresses.emplace_back(text);
  }
  for (const auto& address : addresses) {
    const std::string header = "PROXY TCP6 " + address + " ::2 1 2\r\n";
    INFO(header);
    auto result = parse(header);
    REQUIRE(result.kind == Kind::complete);
    unsigned char expected[16], parsed[16];
    REQUIRE(inet_pton(AF_INET6, address.c_str(), expected) == 1);
    REQUIRE(inet_pton(AF_INET6, result.header.source_address.c_str(), parsed) == 1);
    CHECK(std::equal(expected, expected + 16, parsed));
    check_every_prefix_needs_more(header);
  }
}

TEST_CASE("bytes that cannot become a header are invalid at the first byte that shows it", "[proxy]") {
  const std::string v1_tail = " 5.6.7.8 1 2\r\n";
  struct Case {
    std::string input;
    std::size_t invalid_at;  // the length of the shortest prefix found invalid
  };
  const Case cases[] = {
      {"GET / HTTP/1.1\r\n", 1},
      {bytes({0x16, 0x03, 0x01, 0x02, 0x00}), 1},  // a TLS ClientHello
      {"proxy TCP4", 1},
      {"PROXX TCP4", 5},
      {"PROXY  TCP4 1.2.3.4" + v1_tail, 7},
      {"PROXY tcp4 1.2.3.4" + v1_tail, 7},
      {"PROXY TCP5 1.2.3.4" + v1_tail, 10},
      {"PROXY TCP4\r\n", 11},
      {"PROXY TCP4  1.2.3.4" + v1_tail, 12},
      {"PROXY TCP4 01.2.3.4" + v1_tail, 13},
      {"PROXY TCP4 1.2.3.256" + v1_tail, 20},
      {"PROXY TCP4 1.2.3.4.5" + v1_tail, 19},
      {"PROXY TCP4 1..2.3" + v1_tail, 14},
      {"PROXY TCP4 1.2.3" + v1_tail, 17},  // three groups: refused once the space ends them
      {"PROXY TCP4 2001:db8::1 ::1 1 2\r\n", 15},
      {"PROXY TCP4 1.2.3.4 5.6.7.8  1 2\r\n", 28},
      {"PROXY TCP6 1.2.3.4 ::1 1 2\r\n", 13},
      {"PROXY TCP6 :1::2 ::1 1 2\r\n", 13},
      {"PROXY TCP6 1:::2 ::1 1 2\r\n", 15},
      {"PROXY TCP6 1::2::3 ::1 1 2\r\n", 17},
      {"PROXY TCP6 12345::1 ::1 1 2\r\n", 16},
      {"PROXY TCP6 1:2:3:4:5:6:7:8:9 ::1 1 2\r\n", 27},
      {"PROXY TCP6 1:2:3:4:5:6:7:8::9 ::1 1 2\r\n", 27},  // no room left for "::"
      {"PROXY TCP6 1:2:3:4:5:6:7:1.2.3.4 ::1 1 2\r\n", 27},
      {"PROXY TCP6 ::ffff:1a.2.3.4 ::1 1 2\r\n", 21},
      {"PROXY TCP6 ::1%eth0 ::1 1 2\r\n", 15},
      // A NUL ends a C string: the address must not be read as the text before it.
      {std::string("PROXY TCP6 ::ffff:192.0.2.1 ::ffff\0\0\x1c 1 2\r\n", 43), 35},
      {std::string("PROXY TCP4 1.2.3.4\0 5.6.7.8 1 2\r\n", 33), 19},
      {"PROXY TCP6 1:2:3:4:5:6:7 ::1 1 2\r\n", 25},  // seven groups: refused once the space ends them
      {"PROXY TCP4 1.2.3.4 5.6.7.8 65536 2\r\n", 32},
      {"PROXY TCP4 1.2.3.4 5.6.7.8 080 2\r\n", 29},
      {"PROXY TCP4 1.2.3.4 5.6.7.8 +80 2\r\n", 28},
      {"PROXY TCP4 1.2.3.4 5.6.7.8 1 2 \r\n", 31},
      {"PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n", 31},
      {"PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\r\n", 32},
      {"PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n", 29},
      {"PROXY UNKNOWN\n", 14},
      {"PROXY UNKNOWN\rx\r\n", 15},
      {"PROXY UNKNOWNx\r\n", 14},
      {"\rX", 2},
      {kSignature.substr(0, 4) + "\x01", 5},
      {kSignature + "\x11", 13},  // version 1 in the binary form
      {kSignature + "\x22", 13},  // command 2
      {kSignature + "\x21\x41", 14},
      {kSignature + "\x21\x13", 14},
      {kSignature + "\x21\x10", 14},
      {kSignature + "\x21\x01", 14},
      {kSignature + "\x21\x11" + big_endian_16(11) + std::string(11, '\0'), 16},
      {kSignature + "\x21\x21" + big_endian_16(35) + std::string(35, '\0'), 16},
      {kSignature + "\x21\x31" + big_endian_16(215) + std::string(215, '\0'), 16},
      {kSignature + bytes({0x20, 0x00}) + big_endian_16(1025) + std::string(1025, '\0'), 16},
      {kSignature + bytes({0x21, 0x00}) + big_endian_16(0xFFFF), 16},
  };
  for (const auto& c : cases) {
    INFO(printable(c.input));
    CHECK(first_invalid_at(c.input) == c.invalid_at);
    auto result = parse(c.input);
    CHECK(result.kind == Kind::invalid);
    CHECK(result.error != nullptr);
  }
}

TEST_CASE("the reasons name what is wrong", "[proxy]") {
  auto error = [](const std::string& input) { return std::string(parse(input).error); };
  CHECK(error("GET / HTTP/1.1\r\n") == "not a PROXY header");
  CHECK(error("PROXY TCP5 ") == "v1 protocol is not TCP4, TCP6 or UNKNOWN");
  CHECK(error("PROXY TCP4 1.2.3.4.5 ") == "v1 bad source address");
  CHECK(error("PROXY TCP4 1.2.3.4 ::1 ") == "v1 bad destination address");
  CHECK(error("PROXY TCP4 1.2.3.4 5.6.7.8 99999 ") == "v1 bad source port");
  CHECK(error("PROXY TCP4 1.2.3.4 5.6.7.8 1 x") == "v1 bad destination port");
  CHECK(error("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\rx") == "v1 line does not end in CRLF");
  CHECK(error(kSignature + "\x31") == "v2 version is not 2");
  CHECK(error(kSignature + "\x2F") == "v2 command is neither LOCAL nor PROXY");
  CHECK(error(kSignature + "\x21\x44") == "v2 address family or transport is unknown");
  CHECK(error(kSignature + "\x21\x11" + big_endian_16(1025)) == "v2 header over the size limit");
  CHECK(error(kSignature + "\x21\x11" + big_endian_16(4)) == "v2 address block shorter than its family's");
}

TEST_CASE("v2 PROXY over TCP gives IPv4 and IPv6 addresses and ports", "[proxy]") {
  auto result = parse(v2(0x21, 0x11, bytes({192, 0, 2, 1, 198, 51, 100, 7, 0xDC, 0x04, 0x01, 0xBB})) + "GET");
  REQUIRE(result.kind == Kind::complete);
  CHECK(result.consumed == 16 + 12);
  CHECK(result.header == tcp("192.0.2.1", 56324, "198.51.100.7", 443, 2));

  std::string ipv6_block = bytes({0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1});
  ipv6_block += bytes({0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 10, 0, 0, 1});
  ipv6_block += bytes({0xFF, 0xFF, 0x00, 0x00});
  result = parse(v2(0x21, 0x21, ipv6_block));
  REQUIRE(result.kind == Kind::complete);
  CHECK(result.consumed == 16 + 36);
  CHECK(result.header == tcp("2001:db8::1", 65535, "::ffff:10.0.0.1", 0, 2));
}

TEST_CASE("v2 TLVs after the address block are skipped, up to the size limit", "[proxy]") {
  const std::string address_block = bytes({10, 1, 2, 3, 10, 9, 8, 7, 0x1F, 0x90, 0x00, 0x50});
  // ALPN "h2", a NOOP of padding, an authority: the header ends after them.
  const std::string tlvs = bytes({0x01, 0x00, 0x02}) + "h2" + bytes({0x04, 0x00, 0x03, 0, 0, 0}) +
                           bytes({0x02, 0x00, 0x0B}) + "example.com";
  auto header = v2(0x21, 0x11, address_block + tlvs);
  auto result = parse(header + "client bytes");
  REQUIRE(result.kind == Kind::complete);
  CHECK(result.consumed == header.size());
  CHECK(result.header == tcp("10.1.2.3", 8080, "10.9.8.7", 80, 2));

  // The largest header accepted, and one byte more.
  const std::string largest = v2(0x21, 0x11, address_block + std::string(1024 - 12, '\x04'));
  REQUIRE(largest.size() == kMaxV2Bytes);
  result = parse(largest);
  REQUIRE(result.kind == Kind::complete);
  CHECK(result.consumed == kMaxV2Bytes);
  CHECK(parse(v2(0x21, 0x11, address_block + std::string(1024 - 11, '\x04'))).kind == Kind::invalid);
}

TEST_CASE("v2 LOCAL is local whatever its family and address block", "[proxy]") {
  for (const auto& header : {v2(0x20, 0x00, ""), v2(0x20, 0x11, std::string(12, '\x7F')),
                             v2(0x20, 0xFF, "ignored"), v2(0x20, 0x21, "")}) {
    auto result = parse(header + "x");
    REQUIRE(result.kind == Kind::complete);
    CHECK(result.consumed == header.size());
    CHECK(result.header.version == 2);
    CHECK(result.header.local);
    CHECK(result.header.source_address.empty());
    CHECK(result.header.destination_address.empty());
  }
}

TEST_CASE("v2 PROXY of the UNSPEC, UDP or UNIX family names no address", "[proxy]") {
  for (const auto& header : {v2(0x21, 0x00, ""), v2(0x21, 0x00, "addresses we cannot read"),
                             v2(0x21, 0x12, std::string(12, '\x01')), v2(0x21, 0x22, std::string(40, '\x01')),
                             v2(0x21, 0x31, std::string(216, 'u')), v2(0x21, 0x32, std::string(216, 'u'))}) {
    auto result = parse(header);
    REQUIRE(result.kind == Kind::complete);
    CHECK(result.consumed == header.size());
    CHECK_FALSE(result.header.local);
    CHECK(result.header.source_address.empty());
    CHECK(result.header.source_port == 0);
  }
}

TEST_CASE("a v2 header cut anywhere needs more, and says how much once the length is in", "[proxy]") {
  const std::string header = v2(0x21, 0x21, std::string(36, '\x01') + bytes({0x03, 0x00, 0x04, 1, 2, 3, 4}));
  REQUIRE(parse(header).kind == Kind::complete);
  check_every_prefix_needs_more(header);
  for (std::size_t size = 0; size < header.size(); ++size) {
    auto result = parse(std::string_view(header).substr(0, size));
    if (size == 0) {
      CHECK(result.needed == 1);
    } else if (size < 16) {
      CHECK(result.needed == 16);
    } else {
      CHECK(result.needed == header.size());
    }
  }
}

TEST_CASE("encode_v1 and encode_v2 write what parse reads back", "[proxy]") {
  const Header headers[] = {
      tcp("192.0.2.1", 56324, "198.51.100.7", 443, 0),
      tcp("0.0.0.0", 0, "255.255.255.255", 65535, 0),
      tcp("2001:db8::1", 1, "fd00::2", 2, 0),
      tcp("::ffff:192.0.2.1", 3, "::1", 4, 0),
  };
  for (Header header : headers) {
    INFO(header.source_address << " -> " << header.destination_address);
    for (int version : {1, 2}) {
      const std::string encoded = version == 1 ? encode_v1(header) : encode_v2(header);
      auto result = parse(encoded + "after");
      REQUIRE(result.kind == Kind::complete);
      CHECK(result.consumed == encoded.size());
      header.version = version;
      CHECK(result.header == header);
    }
  }
  CHECK(encode_v1(tcp("192.0.2.1", 56324, "198.51.100.7", 443, 1)) == "PROXY TCP4 192.0.2.1 198.51.100.7 56324 443\r\n");
  CHECK(encode_v2(tcp("192.0.2.1", 56324, "198.51.100.7", 443, 2)) ==
        v2(0x21, 0x11, bytes({192, 0, 2, 1, 198, 51, 100, 7, 0xDC, 0x04, 0x01, 0xBB})));
}

TEST_CASE("the encoders write IPv6 text as inet_ntop does, and map IPv4 beside IPv6", "[proxy]") {
  auto header = tcp("2001:0DB8::0001", 1, "10.0.0.1", 2, 0);
  CHECK(encode_v1(header) == "PROXY TCP6 2001:db8::1 ::ffff:10.0.0.1 1 2\r\n");
  auto result = parse(encode_v2(header));
  REQUIRE(result.kind == Kind::complete);
  CHECK(result.header == tcp("2001:db8::1", 1, "::ffff:10.0.0.1", 2, 2));
}

TEST_CASE("headers without an address encode as UNKNOWN, LOCAL or UNSPEC", "[proxy]") {
  Header local;
  local.local = true;
  CHECK(encode_v1(local) == "PROXY UNKNOWN\r\n");
  CHECK(encode_v2(local) == v2(0x20, 0x00, ""));
  CHECK(encode_v2(local, "tlv") == v2(0x20, 0x00, "tlv"));
  Header unnamed;
  CHECK(encode_v1(unnamed) == "PROXY UNKNOWN\r\n");
  CHECK(encode_v2(unnamed) == v2(0x21, 0x00, ""));
  auto result = parse(encode_v2(unnamed));
  REQUIRE(result.kind == Kind::complete);
  CHECK_FALSE(result.header.local);
}

TEST_CASE("encode_v2 puts the TLVs after the address block", "[proxy]") {
  const std::string tlvs = bytes({0x04, 0x00, 0x02, 0, 0});
  auto encoded = encode_v2(tcp("192.0.2.1", 1, "192.0.2.2", 2, 0), tlvs);
  CHECK(encoded.size() == 16 + 12 + tlvs.size());
  CHECK(encoded.ends_with(tlvs));
  auto result = parse(encoded);
  REQUIRE(result.kind == Kind::complete);
  CHECK(result.consumed == encoded.size());
  CHECK(result.header == tcp("192.0.2.1", 1, "192.0.2.2", 2, 2));
}

TEST_CASE("the encoders refuse what is not an address", "[proxy]") {
  CHECK_THROWS_AS(encode_v1(tcp("192.0.2.300", 1, "192.0.2.2", 2, 0)), std::invalid_argument);
  CHECK_THROWS_AS(encode_v2(tcp("192.0.2.1", 1, "", 2, 0)), std::invalid_argument);
  CHECK_THROWS_AS(encode_v2(tcp("[::1]", 1, "::1", 2, 0)), std::invalid_argument);
  CHECK_THROWS_AS(encode_v2(Header{}, std::string(0x10000, '\0')), std::invalid_argument);
}
