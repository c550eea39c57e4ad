#pragma once
// Who the client of a request is, from the peer of the connection and the X-Forwarded-For and
// X-Forwarded-Proto headers of the load balancers in front of the hub (`--trusted-proxies`).
// Only what a trusted proxy vouches for is believed: anyone can write those headers.

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "hub/core/address_set.hpp"

namespace mi::hub {

// The client address of a request that came from `peer`: `peer` itself unless it is in
// `trusted`. Then X-Forwarded-For (all its header lines, in order, as one comma list; empty
// elements are skipped, as RFC 9110 has recipients do) is walked from the right, past addresses
// that are themselves trusted; the first that is not is the client. All trusted: the leftmost.
// A malformed entry ("unknown", an obfuscated name, garbage) stops the walk: the client is then
// the last address accepted (the nearest trusted hop), so a forged header never buys more than
// what a proxy vouched for. Entries may carry a port ("1.2.3.4:5678", "[2001:db8::1]:80") or
// brackets; the result is the bare address, normalized (see normalized_address).
std::string forwarded_client(std::string_view peer, std::span<const std::string_view> x_forwarded_for,
                             const AddressSet& trusted);

// "https" or "http" from the X-Forwarded-Proto lines of a trusted peer: the rightmost value of
// the comma list (the one the nearest proxy wrote), case-insensitive. Nothing when the peer is
// not trusted, or there is no value, or the value is another.
std::optional<std::string_view> forwarded_proto(std::string_view peer,
                                                std::span<const std::string_view> x_forwarded_proto,
                                                const AddressSet& trusted);

// An address as text in the form the hub logs and counts it: IPv4-mapped IPv6 as IPv4, IPv6 as
// inet_ntop writes it ("2001:DB8:0::1" -> "2001:db8::1"). Text that is not an address: as given.
std::string normalized_address(std::string_view address);

}  // namespace mi::hub
