#pragma once
// Where a Redis server listens, as given by `--redis`.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mi::redis {

struct Endpoint {
  enum class Kind { tcp, unix_socket };
  Kind kind = Kind::tcp;
  std::string host = "127.0.0.1";  // tcp
  std::uint16_t port = 6379;       // tcp
  std::string path;                // unix_socket
  int db = 0;

  std::string describe() const;  // "redis://host:port/db" or "unix:///path?db=N"
};

// Accepts redis://host[:port][/db] and unix:///absolute/path[?db=N]. Nothing on anything else.
std::optional<Endpoint> parse_redis_url(std::string_view url);

}  // namespace mi::redis
