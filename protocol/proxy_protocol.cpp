#include "protocol/proxy_protocol.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <optional>
#include <stdexcept>

namespace mi::protocol::proxy {

namespace {

using Kind = ParseResult::Kind;

constexpr std::string_view kV2Signature{"\r\n\r\n\0\r\nQUIT\n", 12};
constexpr std::size_t kV2FixedBytes = 16;
// The longest text inet_pton reads as an IPv6 address: six groups and a dotted quad.
constexpr std::size_t kLongestIpv6Text = sizeof("ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255") - 1;

ParseResult need_more(std::size_t needed) {
  ParseResult result;
  result.kind = Kind::need_more;
  result.needed = needed;
  return result;
}

ParseResult invalid(const char* error) {
  ParseResult result;
  result.kind = Kind::invalid;
  result.error = error;
  return result;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool is_hex_digit(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

// The v1 parser says "invalid" as soon as the bytes cannot become a header, so it must know of a
// field cut by the end of the bytes whether more characters could still make it valid. These
// never refuse a prefix of what inet_pton (glibc's) or the port rule accept; the unit tests and
// fuzz_proxy_header hold them to that.

// A dotted quad so far: up to four groups of up to three digits, none above 255, no leading zero.
bool ipv4_may_continue(std::string_view text) {
  std::size_t groups = 1;
  std::size_t digits = 0;
  unsigned value = 0;
  for (char c : text) {
    if (is_digit(c)) {
      if (digits == 1 && value == 0) return false;
      ++digits;
      value = value * 10 + static_cast<unsigned>(c - '0');
      if (value > 255) return false;
    } else if (c == '.') {
      if (digits == 0 || ++groups > 4) return false;
      digits = 0;
      value = 0;
    } else {
      return false;
    }
  }
  return true;
}

// IPv6 text so far: groups of up to four hex digits between colons, one "::" at most, a colon
// at the start only as the first of "::", a dotted quad only as the last part and after a colon,
// and room left in the 128 bits (a dotted quad takes two groups; "::" stands for one at least).
bool ipv6_may_continue(std::string_view text) {
  if (text.size() > kLongestIpv6Text) return false;
  std::size_t groups = 0;  // the groups before the part being read
  bool compressed = false;
  std::size_t part_start = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == ':') {
      const std::size_t part_size = i - part_start;
      if (part_size > 4) return false;
      if (part_size > 0) {
        if (text.substr(part_start, part_size).find('.') != std::string_view::npos) return false;
        ++groups;
      } else if (i == 0) {
        if (text.size() > 1 && text[1] != ':') return false;
      } else {  // the second colon of "::"
        if (compressed) return false;
        compressed = true;
      }
      part_start = i + 1;
    } else if (!is_hex_digit(c) && c != '.') {
      return false;
    }
  }
  const std::string_view last = text.substr(part_start);
  std::size_t total = groups;
  if (last.find('.') != std::string_view::npos) {
    if (part_start == 0 || !ipv4_may_continue(last)) return false;
    total += 2;
  } else if (last.size() > 4) {
    return false;
  } else if (!last.empty()) {
    total += 1;
  } else if (text.size() >= 2 && text[text.size() - 2] != ':') {
    total += 1;  // after a single colon another group, or the second colon of "::", must come
  }
  return total <= (compressed ? 7u : 8u);
}

// 0 to 65535 so far, in decimal, without a leading zero.
bool port_may_continue(std::string_view text) {
  if (text.size() > 5 || (text.size() > 1 && text[0] == '0')) return false;
  unsigned value = 0;
  for (char c : text) {
    if (!is_digit(c)) return false;
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  return value <= 65535;
}

std::optional<std::uint16_t> port_from_text(std::string_view text) {
  if (text.empty() || !port_may_continue(text)) return std::nullopt;
  unsigned value = 0;
  for (char c : text) value = value * 10 + static_cast<unsigned>(c - '0');
  return static_cast<std::uint16_t>(value);
}

// inet_pton of `text`, which need not end in a NUL; `out` holds 4 or 16 bytes for `family`. A
// NUL inside the text would end inet_pton's string early and pass off a prefix as the address.
bool address_from_text(int family, std::string_view text, void* out) {
  char terminated[kLongestIpv6Text + 1];
  if (text.empty() || text.size() > kLongestIpv6Text || text.find('\0') != std::string_view::npos) return false;
  std::memcpy(terminated, text.data(), text.size());
  terminated[text.size()] = '\0';
  return inet_pton(family, terminated, out) == 1;
}

std::string address_text(int family, const void* address) {
  char text[INET6_ADDRSTRLEN];
  inet_ntop(family, address, text, sizeof text);
  return text;
}

std::uint16_t big_endian_16(const unsigned char* bytes) {
  return static_cast<std::uint16_t>((bytes[0] << 8) | bytes[1]);
}

ParseResult complete(std::size_t consumed, int version, bool local) {
  ParseResult result;
  result.kind = Kind::complete;
  result.consumed = consumed;
  result.header.version = version;
  result.header.local = local;
  return result;
}

ParseResult parse_v1(std::string_view bytes) {
  // All that a v1 header can span: one not ended within it is too long.
  const std::string_view line = bytes.substr(0, kMaxV1Bytes);
  const auto more = [&] {
    return bytes.size() >= kMaxV1Bytes ? invalid("v1 line too long") : need_more(bytes.size() + 1);
  };

  constexpr std::string_view kProxy = "PROXY ";
  if (!line.starts_with(kProxy)) return kProxy.starts_with(line) ? more() : invalid("not a PROXY header");
  std::size_t at = kProxy.size();

  constexpr std::string_view kTcp4 = "TCP4 ", kTcp6 = "TCP6 ", kUnknown = "UNKNOWN";
  const std::string_view protocol = line.substr(at);
  int family = AF_UNSPEC;
  if (protocol.starts_with(kTcp4)) {
    family = AF_INET;
    at += kTcp4.size();
  } else if (protocol.starts_with(kTcp6)) {
    family = AF_INET6;
    at += kTcp6.size();
  } else if (protocol.starts_with(kUnknown)) {
    // Either CRLF at once, or a space and anything up to the first CRLF, which the spec says to
    // ignore.
    at += kUnknown.size();
    if (at == line.size()) return more();
    if (line[at] == '\r') {
      if (at + 1 == line.size()) return more();
      if (line[at + 1] != '\n') return invalid("v1 line does not end in CRLF");
      return complete(at + 2, 1, true);
    }
    if (line[at] != ' ') return invalid("v1 protocol is not TCP4, TCP6 or UNKNOWN");
    const std::size_t crlf = line.find("\r\n", at + 1);
    if (crlf == std::string_view::npos) return more();
    return complete(crlf + 2, 1, true);
  } else if (kTcp4.starts_with(protocol) || kTcp6.starts_with(protocol) || kUnknown.starts_with(protocol)) {
    return more();
  } else {
    return invalid("v1 protocol is not TCP4, TCP6 or UNKNOWN");
  }

  // Source and destination address, source and destination port; the last ends at the CR.
  static constexpr const char* kFieldErrors[] = {"v1 bad source address", "v1 bad destination address",
                                                 "v1 bad source port", "v1 bad destination port"};
  unsigned char addresses[2][sizeof(in6_addr)];
  std::uint16_t ports[2] = {};
  for (int field = 0; field < 4; ++field) {
    const bool is_address = field < 2;
    const std::size_t end = line.find(field < 3 ? ' ' : '\r', at);
    const std::string_view text = line.substr(at, end == std::string_view::npos ? std::string_view::npos : end - at);
    if (end == std::string_view::npos) {
      const bool may_continue = !is_address            ? port_may_continue(text)
                                : family == AF_INET ? ipv4_may_continue(text)
                                                    : ipv6_may_continue(text);
      return may_continue ? more() : invalid(kFieldErrors[field]);
    }
    if (is_address) {
      if (!address_from_text(family, text, addresses[field])) return invalid(kFieldErrors[field]);
    } else {
      auto port = port_from_text(text);
      if (!port) return invalid(kFieldErrors[field]);
      ports[field - 2] = *port;
    }
    at = end + 1;
  }
  if (at == line.size()) return more();
  if (line[at] != '\n') return invalid("v1 line does not end in CRLF");

  ParseResult result = complete(at + 1, 1, false);
  result.header.source_address = address_text(family, addresses[0]);
  result.header.destination_address = address_text(family, addresses[1]);
  result.header.source_port = ports[0];
  result.header.destination_port = ports[1];
  return result;
}

ParseResult parse_v2(std::string_view bytes) {
  const std::size_t signature_bytes = std::min(bytes.size(), kV2Signature.size());
  if (bytes.substr(0, signature_bytes) != kV2Signature.substr(0, signature_bytes)) {
    return invalid("not a PROXY header");
  }
  const auto* data = reinterpret_cast<const unsigned char*>(bytes.data());
  // Each fixed byte is judged as it arrives; until all 16 are in, 16 is all that is known.
  if (bytes.size() <= 12) return need_more(kV2FixedBytes);
  if (data[12] >> 4 != 2) return invalid("v2 version is not 2");
  const unsigned command = data[12] & 0x0F;
  if (command > 1) return invalid("v2 command is neither LOCAL nor PROXY");
  const bool local = command == 0;
  if (bytes.size() == 13) return need_more(kV2FixedBytes);

  // LOCAL: the family is ignored, as the spec says. PROXY: the spec's seven combinations.
  const unsigned family = data[13];
  std::size_t address_block = 0;
  if (!local) {
    switch (family) {
      case 0x00: address_block = 0; break;                 // UNSPEC
      case 0x11: case 0x12: address_block = 12; break;     // TCP, UDP over IPv4
      case 0x21: case 0x22: address_block = 36; break;     // TCP, UDP over IPv6
      case 0x31: case 0x32: address_block = 216; break;    // UNIX stream, datagram
      default: return invalid("v2 address family or transport is unknown");
    }
  }
  if (bytes.size() < kV2FixedBytes) return need_more(kV2FixedBytes);

  const std::size_t length = big_endian_16(data + 14);
  if (length > kMaxV2Bytes - kV2FixedBytes) return invalid("v2 header over the size limit");
  if (length < address_block) return invalid("v2 address block shorter than its family's");
  const std::size_t total = kV2FixedBytes + length;
  if (bytes.size() < total) return need_more(total);

  ParseResult result = complete(total, 2, local);
  const unsigned char* block = data + kV2FixedBytes;
  if (!local && family == 0x11) {
    result.header.source_address = address_text(AF_INET, block);
    result.header.destination_address = address_text(AF_INET, block + 4);
    result.header.source_port = big_endian_16(block + 8);
    result.header.destination_port = big_endian_16(block + 10);
  } else if (!local && family == 0x21) {
    result.header.source_address = address_text(AF_INET6, block);
    result.header.destination_address = address_text(AF_INET6, block + 16);
    result.header.source_port = big_endian_16(block + 32);
    result.header.destination_port = big_endian_16(block + 34);
  }
  return result;
}

// The header's two addresses in one family: IPv4 when both are, else IPv6 with an IPv4 one
// mapped. Throws when a header that names addresses does not name two.
struct AddressPair {
  int family = AF_INET;
  unsigned char source[sizeof(in6_addr)] = {};
  unsigned char destination[sizeof(in6_addr)] = {};
};

AddressPair address_pair(const Header& header) {
  AddressPair pair;
  const std::string* texts[] = {&header.source_address, &header.destination_address};
  unsigned char* outs[] = {pair.source, pair.destination};
  bool ipv4[2] = {};
  for (int i = 0; i < 2; ++i) {
    ipv4[i] = address_from_text(AF_INET, *texts[i], outs[i]);
    if (!ipv4[i] && !address_from_text(AF_INET6, *texts[i], outs[i])) {
      throw std::invalid_argument("PROXY header: not an IP address: \"" + *texts[i] + "\"");
    }
  }
  if (ipv4[0] && ipv4[1]) return pair;
  pair.family = AF_INET6;
  for (int i = 0; i < 2; ++i) {
    if (!ipv4[i]) continue;
    unsigned char mapped[sizeof(in6_addr)] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF};
    std::memcpy(mapped + 12, outs[i], 4);
    std::memcpy(outs[i], mapped, sizeof mapped);
  }
  return pair;
}

void append_big_endian_16(std::string& out, std::size_t value) {
  out += static_cast<char>((value >> 8) & 0xFF);
  out += static_cast<char>(value & 0xFF);
}

}  // namespace

ParseResult parse(std::string_view bytes) {
  if (bytes.empty()) return need_more(1);
  if (bytes[0] == 'P') return parse_v1(bytes);
  if (bytes[0] == '\r') return parse_v2(bytes);
  return invalid("not a PROXY header");
}

std::string encode_v1(const Header& header) {
  if (header.local || header.source_address.empty()) return "PROXY UNKNOWN\r\n";
  const AddressPair pair = address_pair(header);
  std::string line = pair.family == AF_INET ? "PROXY TCP4 " : "PROXY TCP6 ";
  line += address_text(pair.family, pair.source);
  line += ' ';
  line += address_text(pair.family, pair.destination);
  line += ' ';
  line += std::to_string(header.source_port);
  line += ' ';
  line += std::to_string(header.destination_port);
  line += "\r\n";
  return line;
}

std::string encode_v2(const Header& header, std::string_view tlvs) {
  std::string block;
  unsigned char command = 0x21;  // version 2, PROXY
  unsigned char family = 0x00;   // UNSPEC
  if (header.local) {
    command = 0x20;
  } else if (!header.source_address.empty()) {
    const AddressPair pair = address_pair(header);
    const std::size_t size = pair.family == AF_INET ? 4 : 16;
    family = pair.family == AF_INET ? 0x11 : 0x21;
    block.append(reinterpret_cast<const char*>(pair.source), size);
    block.append(reinterpret_cast<const char*>(pair.destination), size);
    append_big_endian_16(block, header.source_port);
    append_big_endian_16(block, header.destination_port);
  }
  const std::size_t length = block.size() + tlvs.size();
  if (length > 0xFFFF) throw std::invalid_argument("PROXY v2 header: more than 65535 bytes after the fixed 16");
  std::string out(kV2Signature);
  out += static_cast<char>(command);
  out += static_cast<char>(family);
  append_big_endian_16(out, length);
  out += block;
  out += tlvs;
  return out;
}

}  // namespace mi::protocol::proxy
