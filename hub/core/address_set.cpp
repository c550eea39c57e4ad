#include "hub/core/address_set.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>

namespace mi::hub {

namespace {

using Bytes = std::array<std::uint8_t, 16>;

constexpr std::array<std::uint8_t, 12> kIpv4MappedPrefix = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF};
constexpr unsigned kIpv4MappedBits = 96;

// The longest text inet_pton reads as an IPv6 address: six groups and a dotted quad.
constexpr std::size_t kLongestAddressText = sizeof("ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255") - 1;

std::string_view trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(" \t");
  return text.substr(first, last - first + 1);
}

// Whether the first `bits` bits of the two are the same.
bool same_prefix(const Bytes& a, const Bytes& b, unsigned bits) {
  const unsigned whole = bits / 8;
  if (std::memcmp(a.data(), b.data(), whole) != 0) return false;
  const unsigned rest = bits % 8;
  if (rest == 0) return true;
  const auto mask = static_cast<std::uint8_t>(0xFF << (8 - rest));
  return (a[whole] & mask) == (b[whole] & mask);
}

// The address with every bit after the first `bits` cleared.
Bytes network_of(Bytes address, unsigned bits) {
  for (unsigned bit = bits; bit < 128; ++bit) address[bit / 8] &= static_cast<std::uint8_t>(~(0x80u >> (bit % 8)));
  return address;
}

std::optional<unsigned> prefix_from_text(std::string_view text) {
  if (text.empty() || text.size() > 3 || (text.size() > 1 && text[0] == '0')) return std::nullopt;
  unsigned value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  return value;
}

std::string ipv6_text(const Bytes& bytes) {
  char text[INET6_ADDRSTRLEN];
  inet_ntop(AF_INET6, bytes.data(), text, sizeof text);
  return text;
}

// A network as the log writes it: IPv4 when it lies in the IPv4-mapped range, a single address
// without its prefix length.
std::string network_text(const IpAddress& network, unsigned bits) {
  if (network.is_ipv4() && bits >= kIpv4MappedBits) {
    std::string text = network.text();
    if (bits != 128) text += "/" + std::to_string(bits - kIpv4MappedBits);
    return text;
  }
  std::string text = ipv6_text(network.bytes());
  if (bits != 128) text += "/" + std::to_string(bits);
  return text;
}

std::string quoted(std::string_view text) { return "\"" + std::string(text) + "\""; }

}  // namespace

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
  // A NUL inside the text would end inet_pton's string early and pass off a prefix as the address.
  // (And an empty view may have no data at all, which memcpy must not be given.)
  if (text.empty() || text.size() > kLongestAddressText || text.find('\0') != std::string_view::npos) {
    return std::nullopt;
  }
  char terminated[kLongestAddressText + 1];
  std::memcpy(terminated, text.data(), text.size());
  terminated[text.size()] = '\0';
  IpAddress address;
  if (inet_pton(AF_INET, terminated, address.bytes_.data() + 12) == 1) {
    std::memcpy(address.bytes_.data(), kIpv4MappedPrefix.data(), kIpv4MappedPrefix.size());
    return address;
  }
  if (inet_pton(AF_INET6, terminated, address.bytes_.data()) == 1) return address;
  return std::nullopt;
}

IpAddress IpAddress::from_bytes(const std::array<std::uint8_t, 16>& bytes) {
  IpAddress address;
  address.bytes_ = bytes;
  return address;
}

bool IpAddress::is_ipv4() const {
  return std::memcmp(bytes_.data(), kIpv4MappedPrefix.data(), kIpv4MappedPrefix.size()) == 0;
}

std::string IpAddress::text() const {
  if (!is_ipv4()) return ipv6_text(bytes_);
  char text[INET_ADDRSTRLEN];
  inet_ntop(AF_INET, bytes_.data() + 12, text, sizeof text);
  return text;
}

std::optional<AddressSet> AddressSet::parse(std::string_view list, std::string* error) {
  const auto fail = [&](std::string sentence) -> std::optional<AddressSet> {
    if (error) *error = std::move(sentence);
    return std::nullopt;
  };
  AddressSet set;
  if (trim(list).empty()) return set;
  std::size_t start = 0;
  for (;;) {
    const std::size_t comma = list.find(',', start);
    const std::string_view entry =
        trim(list.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
    if (entry.empty()) return fail("an entry is empty (two commas in a row, or a comma at an end)");

    const std::size_t slash = entry.find('/');
    const std::string_view address_text = entry.substr(0, slash);
    const auto address = IpAddress::parse(address_text);
    if (!address) return fail(quoted(entry) + " is not an IP address or CIDR (such as 192.0.2.7 or 10.0.0.0/8)");
    // The family is the text's: ::ffff:10.0.0.0/104 is an IPv6 network (the same as 10.0.0.0/8).
    const bool ipv4 = address_text.find(':') == std::string_view::npos;
    const unsigned family_bits = ipv4 ? 32 : 128;
    unsigned prefix = family_bits;
    if (slash != std::string_view::npos) {
      const auto given = prefix_from_text(entry.substr(slash + 1));
      if (!given || *given > family_bits) {
        return fail(quoted(entry) + ": the prefix length of an " + (ipv4 ? "IPv4" : "IPv6") + " network is 0 to " +
                    std::to_string(family_bits));
      }
      prefix = *given;
    }
    // An IPv4 network's bits follow the 96 of the mapped prefix.
    const unsigned bits = ipv4 ? kIpv4MappedBits + prefix : prefix;
    const IpAddress network = IpAddress::from_bytes(network_of(address->bytes(), bits));
    if (network != *address) {
      return fail(quoted(entry) + " has bits set past its prefix length: the network is " + network_text(network, bits));
    }
    set.entries_.push_back({network, bits});
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return set;
}

bool AddressSet::contains(std::string_view address) const {
  const auto parsed = IpAddress::parse(address);
  return parsed && contains(*parsed);
}

bool AddressSet::contains(const IpAddress& address) const {
  for (const auto& entry : entries_) {
    if (same_prefix(entry.network.bytes(), address.bytes(), entry.prefix_bits)) return true;
  }
  return false;
}

std::string AddressSet::describe() const {
  std::string out;
  for (const auto& entry : entries_) {
    if (!out.empty()) out += ", ";
    out += network_text(entry.network, entry.prefix_bits);
  }
  return out;
}

}  // namespace mi::hub
