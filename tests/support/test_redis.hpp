#pragma once
// A real redis-server for one test: TCP on a free loopback port, no persistence unless asked, in a
// temporary directory; stopped and removed on destruction. `command` is a blocking client for assertions.

#include <string>
#include <vector>

#include "hub/redis/endpoint.hpp"
#include "hub/redis/redis_process.hpp"
#include "hub/redis/reply.hpp"
#include "tests/support/temp_dir.hpp"

namespace mi::test {

// One command on a fresh synchronous connection to `endpoint` (2 s timeouts), authenticated with
// the endpoint's credentials if it has any. Throws
// std::runtime_error when Redis cannot be reached; an error reply is returned as a Reply.
redis::Reply blocking_command(const redis::Endpoint& endpoint, const std::vector<std::string>& args, int db = 0);

struct TestRedis {
  enum class Persistence { none, append_only };
  // append_only: an append-only file fsynced at every write, so that a restart after kill -9
  // finds the data.
  // `extra_config`: more redis.conf lines (e.g. "replicaof 127.0.0.1 6379").
  explicit TestRedis(Persistence persistence = Persistence::none, std::vector<std::string> extra_config = {});

  const redis::Endpoint& endpoint() const { return process.endpoint(); }

  // blocking_command() on this server.
  redis::Reply command(std::vector<std::string> args, int db = 0);

  TempDir dir;  // declared first: outlives the process that uses it
  redis::RedisProcess process;
};

}  // namespace mi::test
