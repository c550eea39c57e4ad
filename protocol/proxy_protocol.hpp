#pragma once
// HAProxy's PROXY protocol (https://www.haproxy.org/download/2.6/doc/proxy-protocol.txt), the
// header a TCP load balancer puts in front of the client's bytes to say whom it relays: version 1
// (one text line) and version 2 (binary). I/O free: `parse` is given the bytes read so far from
// the start of a connection and says whether they are a header, may still become one, or cannot.
//
// What the parser accepts, by the spec, and where the spec left the receiver a choice:
// - v1: "PROXY TCP4 <src> <dst> <sport> <dport>\r\n", TCP6 likewise, or "PROXY UNKNOWN" followed
//   by CRLF or by a space and anything up to the first CRLF. Single spaces; addresses of the
//   stated family (IPv4 dotted quads without leading zeroes; IPv6 as inet_pton reads it, so the
//   dotted tail "::ffff:192.0.2.1" that inet_ntop writes for a mapped address is taken); ports
//   0 to 65535 in decimal without sign or leading zero; a bare CR or LF does not end the line;
//   at most kMaxV1Bytes, CRLF included.
// - v2: the 12-byte signature, version 2, command LOCAL or PROXY (any other is refused, as the
//   spec says). Under LOCAL the family byte and the address block are ignored, as the spec says.
//   Under PROXY the family and transport byte must be one of the spec's seven combinations; TCP
//   over IPv4 and IPv6 give the addresses; UNSPEC, UDP and UNIX fall back to UNSPEC mode, which
//   the spec allows for the combinations a receiver does not support: the header is accepted
//   and names no address. The length must cover the family's address block (12, 36 or 216
//   bytes); what follows it (TLVs) is skipped without being read, which the spec allows. A
//   header over kMaxV2Bytes is refused: the hub's limit, not the spec's.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace mi::protocol::proxy {

struct Header {
  int version = 0;  // 1 or 2
  // v2 LOCAL, or v1 UNKNOWN: the connection is the proxy's own (a health check) or one it could
  // not describe; there is no client address.
  bool local = false;
  // Textual IPv4 or IPv6 as inet_ntop writes it ("192.0.2.1", "2001:db8::1"). Empty when the
  // header names no address (local, or a v2 PROXY header of the UNSPEC, UDP or UNIX family):
  // the connection's own peer is then the client.
  std::string source_address;
  std::uint16_t source_port = 0;
  std::string destination_address;
  std::uint16_t destination_port = 0;

  bool operator==(const Header&) const = default;
};

struct ParseResult {
  enum class Kind { need_more, invalid, complete } kind = Kind::need_more;
  // complete: the bytes of the header; what follows belongs to the client's stream.
  std::size_t consumed = 0;
  // need_more: the total the bytes must reach before another parse can say more, as far as is
  // known: 16 + the length for v2 once its 16 fixed bytes are in, 16 before that, and
  // bytes.size() + 1 for v1. Never more than the header turns out to be, so reading exactly up
  // to it never takes the client's first bytes.
  std::size_t needed = 0;
  // invalid: a short reason for the log ("not a PROXY header", "v1 line too long", ...).
  const char* error = nullptr;
  Header header;
};

inline constexpr std::size_t kMaxV1Bytes = 107;
// 16 fixed bytes and up to 1024 of addresses and TLVs: more is refused, a limit of the hub's.
inline constexpr std::size_t kMaxV2Bytes = 16 + 1024;

// `bytes` are all that was read from the start of the connection. A prefix of a valid header is
// need_more; bytes that no more bytes could make a header are invalid as soon as they show it
// (a first byte other than 'P' or '\r' at once).
ParseResult parse(std::string_view bytes);

// The header as a proxy would send it. Addresses are given as text (IPv4 or IPv6); when one is
// IPv6 and the other IPv4, the IPv4 one is written IPv4-mapped. No address (local, or
// source_address empty) gives "PROXY UNKNOWN\r\n" in v1 and, in v2, LOCAL when `local` and a
// PROXY header of family UNSPEC otherwise. Throws std::invalid_argument for an address that is
// not one (or only one of the two given), and, in v2, for more than 65535 bytes after the
// fixed 16.
std::string encode_v1(const Header& header);
// `tlvs` are put after the address block as they are (the caller frames them).
std::string encode_v2(const Header& header, std::string_view tlvs = {});

}  // namespace mi::protocol::proxy
