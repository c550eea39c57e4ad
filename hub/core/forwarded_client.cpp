#include "hub/core/forwarded_client.hpp"

namespace mi::hub {

namespace {

std::string_view trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(" \t");
  return text.substr(first, last - first + 1);
}

bool is_port(std::string_view text) {
  if (text.empty() || text.size() > 5) return false;
  unsigned value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  return value <= 65535;
}

// The address of one X-Forwarded-For entry: "1.2.3.4", "1.2.3.4:80", "2001:db8::1",
// "[2001:db8::1]" or "[2001:db8::1]:80". Bare IPv6 text with colons is an address, never an
// address and a port: that is what the brackets are for.
std::optional<IpAddress> entry_address(std::string_view entry) {
  if (entry.starts_with('[')) {
    const auto close = entry.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    const std::string_view after = entry.substr(close + 1);
    if (!after.empty() && !(after.starts_with(':') && is_port(after.substr(1)))) return std::nullopt;
    const std::string_view inside = entry.substr(1, close - 1);
    if (inside.find(':') == std::string_view::npos) return std::nullopt;  // brackets hold IPv6 only
    return IpAddress::parse(inside);
  }
  const auto colon = entry.find(':');
  if (colon != std::string_view::npos && entry.find(':', colon + 1) == std::string_view::npos) {
    if (!is_port(entry.substr(colon + 1))) return std::nullopt;
    const std::string_view host = entry.substr(0, colon);
    if (host.find('.') == std::string_view::npos) return std::nullopt;  // one colon: IPv4 and a port
    return IpAddress::parse(host);
  }
  return IpAddress::parse(entry);
}

// Calls `visit` with each non-empty element of the comma list the header lines make, from the
// rightmost to the leftmost, until it returns false.
template <class Visit>
void for_each_element_from_the_right(std::span<const std::string_view> lines, Visit visit) {
  for (auto line = lines.rbegin(); line != lines.rend(); ++line) {
    std::string_view rest = *line;
    for (;;) {
      const auto comma = rest.rfind(',');
      const std::string_view element = trim(comma == std::string_view::npos ? rest : rest.substr(comma + 1));
      if (!element.empty() && !visit(element)) return;
      if (comma == std::string_view::npos) break;
      rest = rest.substr(0, comma);
    }
  }
}

bool equals_ignoring_case(std::string_view a, std::string_view lower) {
  if (a.size() != lower.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char c = a[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != lower[i]) return false;
  }
  return true;
}

}  // namespace

std::string forwarded_client(std::string_view peer, std::span<const std::string_view> x_forwarded_for,
                             const AddressSet& trusted) {
  const auto peer_address = IpAddress::parse(peer);
  if (!peer_address || !trusted.contains(*peer_address)) return normalized_address(peer);
  IpAddress client = *peer_address;
  for_each_element_from_the_right(x_forwarded_for, [&](std::string_view element) {
    const auto address = entry_address(element);
    if (!address) return false;
    client = *address;
    return trusted.contains(client);
  });
  return client.text();
}

std::optional<std::string_view> forwarded_proto(std::string_view peer,
                                                std::span<const std::string_view> x_forwarded_proto,
                                                const AddressSet& trusted) {
  if (!trusted.contains(peer)) return std::nullopt;
  std::optional<std::string_view> proto;
  for_each_element_from_the_right(x_forwarded_proto, [&](std::string_view element) {
    if (equals_ignoring_case(element, "https")) {
      proto = "https";
    } else if (equals_ignoring_case(element, "http")) {
      proto = "http";
    }
    return false;  // the rightmost value decides, known or not
  });
  return proto;
}

std::string normalized_address(std::string_view address) {
  const auto parsed = IpAddress::parse(address);
  return parsed ? parsed->text() : std::string(address);
}

}  // namespace mi::hub
