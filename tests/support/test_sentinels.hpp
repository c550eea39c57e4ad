#pragma once
// A Redis primary, one replica of it, and three real redis-sentinel processes watching them as
// `master_name`, on free loopback ports in temporary directories; all stopped on destruction.
// Sentinels decide quickly here (down after 1 s) so that a failover takes a few seconds. With a
// password, both servers ask for it (requirepass, and masterauth for the replica's link) and the
// sentinels use it to reach them; the sentinels themselves ask for none.

#include <memory>
#include <string>
#include <vector>

#include "hub/redis/endpoint.hpp"
#include "hub/redis/redis_process.hpp"
#include "hub/redis/reply.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/test_redis.hpp"

namespace mi::test {

class SentinelTopology {
 public:
  static constexpr const char* master_name = "mymaster";

  // Returns once the replica is in sync and every sentinel knows the primary and the replica.
  explicit SentinelTopology(std::string password = {});
  ~SentinelTopology();

  // sentinel://127.0.0.1:A,127.0.0.1:B,127.0.0.1:C/mymaster
  std::string url() const;
  // A command to sentinel `index`.
  redis::Reply sentinel_command(const std::vector<std::string>& args, std::size_t index = 0);
  // Where the sentinels say the primary is now.
  redis::HostPort primary_address();
  // The server (of the two) listening at `address`.
  TestRedis& server_at(const redis::HostPort& address);
  // A command to one of the two servers, with the password if there is one.
  redis::Reply server_command(const TestRedis& server, const std::vector<std::string>& args);
  // SENTINEL FAILOVER; returns once every sentinel names the other server and it says it is a
  // primary. Throws if that does not happen within `timeout`.
  void failover(std::chrono::milliseconds timeout = std::chrono::milliseconds{30000});

  TestRedis first;   // the primary at the start
  TestRedis second;  // its replica at the start

 private:
  redis::Endpoint endpoint_of(const TestRedis& server) const;

  std::string password_;
  TempDir dir_;
  std::vector<std::unique_ptr<redis::RedisProcess>> sentinels_;
};

}  // namespace mi::test
