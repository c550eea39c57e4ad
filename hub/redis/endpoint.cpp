#include "hub/redis/endpoint.hpp"

#include <charconv>
#include <climits>

namespace mi::redis {
namespace {

// Digits only (no sign, no spaces), at most `max`.
std::optional<unsigned long> parse_decimal(std::string_view text, unsigned long max) {
  if (text.empty() || text.size() > 10) return std::nullopt;
  unsigned long value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || value > max) return std::nullopt;
  return value;
}

bool is_plain_host(std::string_view host) {
  if (host.empty()) return false;
  for (const char c : host) {
    // No user info, query, fragment or whitespace: those would mean a URL form we do not accept.
    if (c == '@' || c == '?' || c == '#' || c == '/' || c == '[' || c == ']' ||
        static_cast<unsigned char>(c) <= ' ')
      return false;
  }
  return true;
}

std::optional<Endpoint> parse_tcp(std::string_view rest) {
  Endpoint endpoint;
  endpoint.kind = Endpoint::Kind::tcp;

  std::string_view authority = rest;
  std::optional<std::string_view> db_text;
  if (const auto slash = rest.find('/'); slash != std::string_view::npos) {
    authority = rest.substr(0, slash);
    db_text = rest.substr(slash + 1);
  }

  std::string_view host = authority;
  std::optional<std::string_view> port_text;
  if (authority.starts_with('[')) {  // IPv6 literal: [::1]:6379
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    host = authority.substr(1, close - 1);
    const auto after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return std::nullopt;
      port_text = after.substr(1);
    }
    if (host.empty() || host.find(':') == std::string_view::npos) return std::nullopt;
  } else {
    if (const auto colon = authority.find(':'); colon != std::string_view::npos) {
      host = authority.substr(0, colon);
      port_text = authority.substr(colon + 1);
    }
    if (!is_plain_host(host)) return std::nullopt;
  }

  endpoint.host = std::string(host);
  if (port_text) {
    const auto port = parse_decimal(*port_text, 65535);
    if (!port || *port == 0) return std::nullopt;
    endpoint.port = static_cast<std::uint16_t>(*port);
  }
  if (db_text && !db_text->empty()) {  // "redis://host/" means db 0
    const auto db = parse_decimal(*db_text, INT_MAX);
    if (!db) return std::nullopt;
    endpoint.db = static_cast<int>(*db);
  }
  return endpoint;
}

std::optional<Endpoint> parse_unix(std::string_view rest) {
  Endpoint endpoint;
  endpoint.kind = Endpoint::Kind::unix_socket;

  std::string_view path = rest;
  if (const auto question = rest.find('?'); question != std::string_view::npos) {
    path = rest.substr(0, question);
    const auto query = rest.substr(question + 1);
    constexpr std::string_view db_key = "db=";
    if (!query.starts_with(db_key)) return std::nullopt;
    const auto db = parse_decimal(query.substr(db_key.size()), INT_MAX);
    if (!db) return std::nullopt;
    endpoint.db = static_cast<int>(*db);
  }
  if (path.size() < 2 || path.front() != '/' || path.back() == '/') return std::nullopt;
  endpoint.path = std::string(path);
  endpoint.host.clear();
  endpoint.port = 0;
  return endpoint;
}

}  // namespace

std::string Endpoint::describe() const {
  if (kind == Kind::unix_socket) return "unix://" + path + "?db=" + std::to_string(db);
  const bool ipv6 = host.find(':') != std::string::npos;
  return "redis://" + (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port) + "/" +
         std::to_string(db);
}

std::optional<Endpoint> parse_redis_url(std::string_view url) {
  constexpr std::string_view tcp_scheme = "redis://";
  constexpr std::string_view unix_scheme = "unix://";
  if (url.starts_with(tcp_scheme)) return parse_tcp(url.substr(tcp_scheme.size()));
  if (url.starts_with(unix_scheme)) return parse_unix(url.substr(unix_scheme.size()));
  return std::nullopt;
}

}  // namespace mi::redis
