#pragma once
// A Redis primary, one replica of it, and three real redis-sentinel processes watching them as
// `master_name`, on free loopback ports in temporary directories; all stopped on destruction.
// Sentinels decide quickly here (down after 1 s) so that a failover takes a few seconds.

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
  SentinelTopology();
  ~SentinelTopology();

  // sentinel://127.0.0.1:A,127.0.0.1:B,127.0.0.1:C/mymaster
  std::string url() const;
  // A command to sentinel `index`.
  redis::Reply sentinel_command(const std::vector<std::string>& args, std::size_t index = 0);
  // Where the sentinels say the primary is now.
  redis::HostPort primary_address();
  // The server (of the two) listening at `address`.
  TestRedis& server_at(const redis::HostPort& address);
  // SENTINEL FAILOVER; returns once every sentinel names the other server and it says it is a
  // primary. Throws if that does not happen within `timeout`.
  void failover(std::chrono::milliseconds timeout = std::chrono::milliseconds{30000});

  TestRedis first;   // the primary at the start
  TestRedis second;  // its replica at the start

 private:
  TempDir dir_;
  std::vector<std::unique_ptr<redis::RedisProcess>> sentinels_;
};

}  // namespace mi::test
