#pragma once
// A private redis-server child process: the hub's `--redis embedded` mode, and every integration
// test. Started in a directory of its own, listening on a unix socket (or a free loopback port),
// stopped with SIGTERM (then SIGKILL after a grace period) when the object goes away.

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>
#include <sys/types.h>

#include "hub/redis/endpoint.hpp"

namespace mi::redis {

struct RedisProcessOptions {
  std::filesystem::path data_dir;          // created if missing; holds redis.conf, data, log
  bool use_unix_socket = true;             // else TCP on 127.0.0.1 and a free port
  std::string redis_server = "redis-server";  // looked up in PATH
  bool persistence = true;                 // appendonly, fsync'ed at every write; tests turn it off
  std::chrono::milliseconds start_timeout{10000};
  std::chrono::milliseconds stop_timeout{5000};
  // More redis.conf lines, appended last (e.g. "enable-debug-command local" for tests).
  std::vector<std::string> extra_config;
};

class RedisProcess {
 public:
  // Starts redis-server and waits until it answers PING; throws std::runtime_error with the
  // server's log tail if it does not within start_timeout.
  explicit RedisProcess(RedisProcessOptions options);
  ~RedisProcess();  // stop()
  RedisProcess(const RedisProcess&) = delete;
  RedisProcess& operator=(const RedisProcess&) = delete;

  const Endpoint& endpoint() const { return endpoint_; }
  std::string url() const { return endpoint_.describe(); }
  pid_t pid() const { return pid_; }

  // True while the child runs (reaps it if it exited).
  bool running();
  // Starts it again on the same endpoint and data (after a crash, or to test recovery).
  void restart();
  // SIGTERM, wait up to stop_timeout, then SIGKILL. Idempotent.
  void stop();
  // SIGKILL at once (tests of Redis loss).
  void kill();

 private:
  void write_config() const;
  void launch();
  RedisProcessOptions options_;
  Endpoint endpoint_;
  pid_t pid_ = -1;
};

// A TCP port on 127.0.0.1 that was free a moment ago.
unsigned short find_free_port();

}  // namespace mi::redis
