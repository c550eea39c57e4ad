// Fuzzes protocol::proxy::parse (protocol/proxy_protocol.hpp), the PROXY protocol header at the
// start of a connection from a TCP load balancer, and checks what the hub will rely on:
// - a header is at most kMaxV1Bytes (v1) or kMaxV2Bytes (v2), within the bytes given, and the
//   bytes after it change nothing (they belong to the client);
// - every proper prefix of a header needs more, and never asks for more than the header: reading
//   up to `needed` never takes the client's first bytes;
// - an invalid verdict is final: no more bytes make it valid;
// - the addresses are text in inet_ntop's form, both of one family, or none at all;
// - the header encoded again (v1 and v2) parses back to the same addresses and ports, and a v2
//   header over TCP with its TLVs encodes back to the very bytes it was read from.
//
// Input: the bytes the connection starts with. Every parse reads from an allocation of exactly
// the bytes it is given, so that AddressSanitizer catches a read past them.

#include <arpa/inet.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

#include "protocol/proxy_protocol.hpp"
#include "tests/fuzz/fuzz_support.hpp"

namespace {

namespace proxy = mi::protocol::proxy;
using Kind = proxy::ParseResult::Kind;

// The shortest headers: "PROXY UNKNOWN\r\n", and v2's fixed part.
constexpr std::size_t kShortestV1 = 15;
constexpr std::size_t kShortestV2 = 16;

// parse() of a copy of `bytes` in an allocation of exactly their size.
proxy::ParseResult parse_exactly(std::string_view bytes) {
  auto copy = std::make_unique<char[]>(bytes.size());
  if (!bytes.empty()) std::memcpy(copy.get(), bytes.data(), bytes.size());
  return proxy::parse(std::string_view(copy.get(), bytes.size()));
}

// The address family of canonical address text (what inet_ntop writes back from it), 0 if none.
int canonical_family(const std::string& text) {
  for (int family : {AF_INET, AF_INET6}) {
    unsigned char address[16];
    if (inet_pton(family, text.c_str(), address) != 1) continue;
    char written[INET6_ADDRSTRLEN];
    MI_FUZZ_CHECK(inet_ntop(family, address, written, sizeof written) != nullptr);
    return text == written ? family : 0;
  }
  return 0;
}

bool same_addresses(const proxy::Header& a, const proxy::Header& b) {
  return a.source_address == b.source_address && a.destination_address == b.destination_address &&
         a.source_port == b.source_port && a.destination_port == b.destination_port;
}

void check_header(const proxy::Header& header) {
  MI_FUZZ_CHECK(header.version == 1 || header.version == 2);
  MI_FUZZ_CHECK(header.source_address.empty() == header.destination_address.empty());
  if (header.source_address.empty()) {
    MI_FUZZ_CHECK(header.source_port == 0 && header.destination_port == 0);
    return;
  }
  MI_FUZZ_CHECK(!header.local);
  const int family = canonical_family(header.source_address);
  MI_FUZZ_CHECK(family != 0);
  MI_FUZZ_CHECK(canonical_family(header.destination_address) == family);
}

// Encodes the header in `version` and parses it back.
void check_round_trip(const proxy::Header& header, int version) {
  const std::string encoded = version == 1 ? proxy::encode_v1(header) : proxy::encode_v2(header);
  const auto again = parse_exactly(encoded);
  MI_FUZZ_CHECK(again.kind == Kind::complete);
  MI_FUZZ_CHECK(again.consumed == encoded.size());
  MI_FUZZ_CHECK(again.header.version == version);
  MI_FUZZ_CHECK(same_addresses(again.header, header));
  // v1 has UNKNOWN for anything without addresses, which it reads as local.
  if (version == 2 || !header.source_address.empty()) MI_FUZZ_CHECK(again.header.local == header.local);
}

void check_complete(std::string_view input, const proxy::ParseResult& result) {
  const std::size_t consumed = result.consumed;
  MI_FUZZ_CHECK(consumed <= input.size());
  MI_FUZZ_CHECK(consumed <= proxy::kMaxV2Bytes);
  MI_FUZZ_CHECK(result.error == nullptr);
  const proxy::Header& header = result.header;
  if (header.version == 1) {
    MI_FUZZ_CHECK(consumed >= kShortestV1 && consumed <= proxy::kMaxV1Bytes);
    MI_FUZZ_CHECK(input.substr(consumed - 2, 2) == "\r\n");
  } else {
    MI_FUZZ_CHECK(consumed >= kShortestV2);
  }
  check_header(header);

  const std::string_view bytes = input.substr(0, consumed);
  // What follows the header is the client's: without it, or with other bytes, the same header.
  for (const std::string& tail : {std::string(), std::string("\r\n"), std::string(input.substr(consumed)) + "x"}) {
    const auto alone = parse_exactly(std::string(bytes) + tail);
    MI_FUZZ_CHECK(alone.kind == Kind::complete && alone.consumed == consumed && alone.header == header);
  }
  // Every proper prefix waits for more, and for no more than the header.
  for (std::size_t size = 0; size < consumed; ++size) {
    const auto prefix = parse_exactly(bytes.substr(0, size));
    MI_FUZZ_CHECK(prefix.kind == Kind::need_more);
    MI_FUZZ_CHECK(prefix.needed > size && prefix.needed <= consumed);
  }

  check_round_trip(header, 1);
  check_round_trip(header, 2);
  // A v2 header over TCP is the address block and the TLVs after it: encoded with those TLVs,
  // it is the bytes it was read from.
  const auto family = static_cast<unsigned char>(bytes.size() > 13 ? bytes[13] : 0);
  if (header.version == 2 && !header.local && (family == 0x11 || family == 0x21)) {
    const std::size_t block = family == 0x11 ? 12 : 36;
    MI_FUZZ_CHECK(proxy::encode_v2(header, bytes.substr(kShortestV2 + block)) == bytes);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto result = proxy::parse(input);
  switch (result.kind) {
    case Kind::need_more:
      MI_FUZZ_CHECK(result.error == nullptr);
      MI_FUZZ_CHECK(result.needed > size);
      MI_FUZZ_CHECK(result.needed <= proxy::kMaxV2Bytes);
      break;
    case Kind::invalid: {
      MI_FUZZ_CHECK(result.error != nullptr && result.error[0] != '\0');
      // No more bytes make it a header.
      for (const std::string& more : {std::string("\r\n"), std::string(input), std::string(1, '\0')}) {
        MI_FUZZ_CHECK(parse_exactly(std::string(input) + more).kind == Kind::invalid);
      }
      break;
    }
    case Kind::complete:
      check_complete(input, result);
      break;
  }
  return 0;
}
