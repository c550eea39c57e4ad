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

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// RFC 3986 percent-decoding, so that a password may hold '@', ':' or '/'.
std::optional<std::string> percent_decoded(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    if (i + 2 >= text.size()) return std::nullopt;
    const int high = hex_value(text[i + 1]), low = hex_value(text[i + 2]);
    if (high < 0 || low < 0) return std::nullopt;
    out += static_cast<char>(high * 16 + low);
    i += 2;
  }
  return out;
}

// "[user]:password" before the '@'. A user with no password is refused: Redis has no such login.
std::optional<Credentials> parse_user_info(std::string_view user_info) {
  const auto colon = user_info.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  auto user = percent_decoded(user_info.substr(0, colon));
  auto password = percent_decoded(user_info.substr(colon + 1));
  if (!user || !password || password->empty()) return std::nullopt;
  return Credentials{std::move(*user), std::move(*password)};
}

// "host[:port]" or "[v6]:port"; `default_port` when no port is given.
std::optional<HostPort> parse_host_port(std::string_view authority, std::uint16_t default_port) {
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
    if (!is_plain_host(host) || host.find(',') != std::string_view::npos) return std::nullopt;
  }
  HostPort address{std::string(host), default_port};
  if (port_text) {
    const auto port = parse_decimal(*port_text, 65535);
    if (!port || *port == 0) return std::nullopt;
    address.port = static_cast<std::uint16_t>(*port);
  }
  return address;
}

std::string host_port_text(const std::string& host, std::uint16_t port) {
  const bool ipv6 = host.find(':') != std::string::npos;
  return (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

// "?db=N" or nothing.
std::optional<int> parse_db_query(std::string_view query) {
  constexpr std::string_view db_key = "db=";
  if (!query.starts_with(db_key)) return std::nullopt;
  const auto db = parse_decimal(query.substr(db_key.size()), INT_MAX);
  if (!db) return std::nullopt;
  return static_cast<int>(*db);
}

std::optional<Endpoint> parse_tcp(std::string_view rest) {
  Endpoint endpoint;
  endpoint.kind = Endpoint::Kind::tcp;
  // The authority ends at the first '/'; credentials end at its last '@'.
  if (const auto at = rest.substr(0, rest.find('/')).rfind('@'); at != std::string_view::npos) {
    endpoint.credentials = parse_user_info(rest.substr(0, at));
    if (!endpoint.credentials) return std::nullopt;
    rest = rest.substr(at + 1);
  }

  std::string_view authority = rest;
  std::optional<std::string_view> db_text;
  if (const auto slash = rest.find('/'); slash != std::string_view::npos) {
    authority = rest.substr(0, slash);
    db_text = rest.substr(slash + 1);
  }

  auto address = parse_host_port(authority, endpoint.port);
  if (!address) return std::nullopt;
  endpoint.host = std::move(address->host);
  endpoint.port = address->port;
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
    const auto db = parse_db_query(rest.substr(question + 1));
    if (!db) return std::nullopt;
    endpoint.db = *db;
  }
  if (path.size() < 2 || path.front() != '/' || path.back() == '/') return std::nullopt;
  endpoint.path = std::string(path);
  endpoint.host.clear();
  endpoint.port = 0;
  return endpoint;
}

// [[user:]password@]h:p[,h:p...]/MASTER[?db=N]. A sentinel's port must be given: 26379 is only a
// convention, and a sentinel list is where a silent default would send a hub to the wrong place.
std::optional<Endpoint> parse_sentinel(std::string_view rest) {
  Endpoint endpoint;
  endpoint.kind = Endpoint::Kind::sentinel;
  endpoint.host.clear();
  endpoint.port = 0;
  const auto slash = rest.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  std::string_view authority = rest.substr(0, slash);
  std::string_view path = rest.substr(slash + 1);
  if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
    const auto user_info = authority.substr(0, at);
    // "password@" alone is the form of the URL; "user:password@" for an ACL user.
    endpoint.credentials = user_info.find(':') == std::string_view::npos
                               ? parse_user_info(":" + std::string(user_info))
                               : parse_user_info(user_info);
    if (!endpoint.credentials) return std::nullopt;
    authority = authority.substr(at + 1);
  }
  while (true) {
    const auto comma = authority.find(',');
    const auto item = authority.substr(0, comma);
    if (!item.empty() && item.back() == ':') return std::nullopt;
    auto address = parse_host_port(item, 0);
    if (!address || address->port == 0) return std::nullopt;
    endpoint.sentinels.push_back(std::move(*address));
    if (comma == std::string_view::npos) break;
    authority = authority.substr(comma + 1);
  }
  if (const auto question = path.find('?'); question != std::string_view::npos) {
    const auto db = parse_db_query(path.substr(question + 1));
    if (!db) return std::nullopt;
    endpoint.db = *db;
    path = path.substr(0, question);
  }
  auto master = percent_decoded(path);
  if (!master || master->empty() || master->find_first_of("/ \t\r\n") != std::string::npos) return std::nullopt;
  endpoint.master_name = std::move(*master);
  return endpoint;
}

}  // namespace

std::string HostPort::describe() const { return host_port_text(host, port); }

Endpoint Endpoint::at(const HostPort& primary) const {
  Endpoint located = *this;
  located.kind = Kind::tcp;
  located.host = primary.host;
  located.port = primary.port;
  located.sentinels.clear();
  located.master_name.clear();
  return located;
}

std::string Endpoint::describe() const {
  if (kind == Kind::unix_socket) return "unix://" + path + "?db=" + std::to_string(db);
  if (kind == Kind::sentinel) {
    std::string text = "sentinel://";
    if (credentials) text += credentials->user.empty() ? "***@" : credentials->user + ":***@";
    for (std::size_t i = 0; i < sentinels.size(); ++i) text += (i ? "," : "") + sentinels[i].describe();
    return text + "/" + master_name + "?db=" + std::to_string(db);
  }
  const std::string user_info = credentials ? credentials->user + ":***@" : "";
  return "redis://" + user_info + host_port_text(host, port) + "/" + std::to_string(db);
}

std::string redact_url(std::string_view url) {
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) {
    // No scheme: anything up to an '@' may still be a secret.
    const auto at = url.rfind('@');
    return at == std::string_view::npos ? std::string(url) : "***" + std::string(url.substr(at));
  }
  const auto authority_begin = scheme_end + 3;
  const auto authority_end = url.find('/', authority_begin);
  const auto authority = url.substr(authority_begin, authority_end == std::string_view::npos
                                                         ? std::string_view::npos
                                                         : authority_end - authority_begin);
  const auto at = authority.rfind('@');
  if (at == std::string_view::npos) return std::string(url);
  return std::string(url.substr(0, authority_begin)) + "***" + std::string(url.substr(authority_begin + at));
}

std::optional<Endpoint> parse_redis_url(std::string_view url) {
  constexpr std::string_view tcp_scheme = "redis://";
  constexpr std::string_view unix_scheme = "unix://";
  constexpr std::string_view sentinel_scheme = "sentinel://";
  if (url.starts_with(sentinel_scheme)) return parse_sentinel(url.substr(sentinel_scheme.size()));
  if (url.starts_with(tcp_scheme)) return parse_tcp(url.substr(tcp_scheme.size()));
  if (url.starts_with(unix_scheme)) return parse_unix(url.substr(unix_scheme.size()));
  return std::nullopt;
}

}  // namespace mi::redis
