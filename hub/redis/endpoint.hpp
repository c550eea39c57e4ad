#pragma once
// Where a Redis server listens, as given by `--redis`.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mi::redis {

// AUTH before anything else on a link: a password alone (the default user), or a Redis 6 ACL
// user and its password.
struct Credentials {
  std::string user;  // empty: the default user
  std::string password;
};

struct Endpoint {
  enum class Kind { tcp, unix_socket };
  Kind kind = Kind::tcp;
  std::string host = "127.0.0.1";  // tcp
  std::uint16_t port = 6379;       // tcp
  std::string path;                // unix_socket
  int db = 0;
  std::optional<Credentials> credentials;

  // "redis://[user:***@]host:port/db" or "unix:///path?db=N": for logs and errors, so the
  // password is never in it.
  std::string describe() const;
};

// Accepts redis://[[user]:password@]host[:port][/db] (user and password percent-decoded) and
// unix:///absolute/path[?db=N]. Nothing on anything else.
std::optional<Endpoint> parse_redis_url(std::string_view url);

// `url` with whatever stands between "://" and the last '@' of its authority replaced by "***",
// for an error message about a URL that may not even parse.
std::string redact_url(std::string_view url);

}  // namespace mi::redis
