#include "hub/redis/sentinel_replies.hpp"

#include <charconv>
#include <string>
#include <vector>

namespace mi::redis {
namespace {

std::optional<std::uint16_t> port_of(std::string_view text) {
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size() || value == 0 || value > 65535) {
    return std::nullopt;
  }
  return static_cast<std::uint16_t>(value);
}

std::optional<HostPort> host_port(std::string_view host, std::string_view port_text) {
  auto port = port_of(port_text);
  if (host.empty() || !port) return std::nullopt;
  return HostPort{std::string(host), *port};
}

}  // namespace

std::optional<HostPort> primary_address(const Reply& reply) {
  if (!reply.is_array() || reply.elements.size() != 2) return std::nullopt;
  const auto& host = reply.elements[0];
  const auto& port = reply.elements[1];
  if (!host.is_string() || !port.is_string()) return std::nullopt;
  return host_port(host.str, port.str);
}

std::optional<HostPort> switched_primary(std::string_view payload, std::string_view master_name) {
  std::vector<std::string_view> words;
  while (!payload.empty()) {
    const auto space = payload.find(' ');
    words.push_back(payload.substr(0, space));
    if (space == std::string_view::npos) break;
    payload = payload.substr(space + 1);
  }
  if (words.size() != 5 || words[0] != master_name) return std::nullopt;
  return host_port(words[3], words[4]);
}

std::optional<std::string> not_a_primary(const Reply& reply) {
  if (reply.is_error()) return "ROLE was refused: " + reply.str;
  if (!reply.is_array() || reply.elements.empty() || !reply.elements[0].is_string()) {
    return "ROLE gave an answer that names no role";
  }
  const auto& role = reply.elements[0].str;
  if (role == "master") return std::nullopt;
  return "it is a " + (role == "slave" ? std::string("replica") : role) + ", not the primary";
}

std::size_t connected_replicas(const Reply& reply) {
  if (not_a_primary(reply) || reply.elements.size() < 3 || !reply.elements[2].is_array()) return 0;
  return reply.elements[2].elements.size();
}

}  // namespace mi::redis
