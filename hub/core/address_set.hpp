#pragma once
// IP addresses and networks (IPv4 and IPv6), as `--trusted-proxies` lists them, and the test
// of a peer's address against them that every accepted connection makes. I/O free (inet_pton
// and inet_ntop only).

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mi::hub {

// One address in 128 bits, an IPv4 address as its IPv4-mapped IPv6 form (::ffff:a.b.c.d): an
// IPv4 client reaches a dual-stack socket as that form, and the two must count as one address.
class IpAddress {
 public:
  // An IPv4 dotted quad or IPv6 text as inet_pton reads them (no brackets, port or zone).
  static std::optional<IpAddress> parse(std::string_view text);
  static IpAddress from_bytes(const std::array<std::uint8_t, 16>& bytes);

  bool is_ipv4() const;  // IPv4, or IPv4-mapped IPv6
  // An IPv4 (or mapped) address as a dotted quad, any other as inet_ntop writes IPv6.
  std::string text() const;
  const std::array<std::uint8_t, 16>& bytes() const { return bytes_; }

  bool operator==(const IpAddress&) const = default;

 private:
  std::array<std::uint8_t, 16> bytes_{};
};

class AddressSet {
 public:
  // "10.0.0.0/8, 192.168.1.7,::1,fd00::/8": entries separated by commas, spaces and tabs
  // around them ignored; an empty (or blank) list is the empty set. Nothing, and *error (when
  // given) set to a sentence naming the entry, when an entry is empty, is not an address or
  // CIDR, has a prefix length out of range (0-32 for IPv4, 0-128 for IPv6), or has bits set
  // below its prefix: "10.0.0.1/8" is refused rather than read as 10.0.0.0/8, since it more
  // likely means a typing slip than a network, and a trust list must mean what it says.
  static std::optional<AddressSet> parse(std::string_view list, std::string* error);

  // Whether the address is in one of the entries. IPv4 and IPv4-mapped IPv6 are one address:
  // ::ffff:10.1.2.3 is in 10.0.0.0/8, and 10.1.2.3 in ::ffff:0:0/96. Text that is not an
  // address is in no set.
  bool contains(std::string_view address) const;
  bool contains(const IpAddress& address) const;
  bool empty() const { return entries_.empty(); }

  // The entries for the startup log, in the order given, in the form IpAddress::text writes,
  // a single address without its /32 or /128: "10.0.0.0/8, 192.168.1.7, ::1, fd00::/8".
  std::string describe() const;

 private:
  struct Entry {
    IpAddress network;
    unsigned prefix_bits;  // of the 128
  };
  std::vector<Entry> entries_;
};

}  // namespace mi::hub
