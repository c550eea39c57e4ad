#pragma once
// Where a Redis server listens, as given by `--redis`.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>
#include <string_view>

namespace mi::redis {

// AUTH before anything else on a link: a password alone (the default user), or a Redis 6 ACL
// user and its password.
struct Credentials {
  std::string user;  // empty: the default user
  std::string password;
};

struct HostPort {
  std::string host;
  std::uint16_t port = 0;
  bool operator==(const HostPort&) const = default;
  std::string describe() const;  // "host:port", "[v6]:port"
};

struct Endpoint {
  // sentinel: the primary is wherever the sentinels say MASTER is (tcp, once found).
  enum class Kind { tcp, unix_socket, sentinel };
  Kind kind = Kind::tcp;
  std::string host = "127.0.0.1";  // tcp
  std::uint16_t port = 6379;       // tcp
  std::string path;                // unix_socket
  std::vector<HostPort> sentinels;  // sentinel: asked in turn
  std::string master_name;          // sentinel
  int db = 0;
  // AUTH on the Redis servers; with sentinel, also tried on the sentinels (an error is ignored
  // there, for sentinels that have no password).
  std::optional<Credentials> credentials;

  // "redis://[user:***@]host:port/db", "unix:///path?db=N" or
  // "sentinel://[***@]h:p,h:p/MASTER?db=N": for logs and errors, so the password is never in it.
  std::string describe() const;
  // The same Redis at `primary`, over tcp: where a sentinel endpoint's links connect.
  Endpoint at(const HostPort& primary) const;
};

// Accepts redis://[[user]:password@]host[:port][/db] (user and password percent-decoded),
// unix:///absolute/path[?db=N] and sentinel://[[user:]password@]host:port[,host:port...]/MASTER[?db=N].
// Nothing on anything else.
std::optional<Endpoint> parse_redis_url(std::string_view url);

// `url` with whatever stands between "://" and the last '@' of its authority replaced by "***",
// for an error message about a URL that may not even parse.
std::string redact_url(std::string_view url);

}  // namespace mi::redis
