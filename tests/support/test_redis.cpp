#include "tests/support/test_redis.hpp"

#include <csignal>
#include <memory>
#include <stdexcept>

#include <hiredis/hiredis.h>

#include "hub/redis/hiredis_reply.hpp"

namespace mi::test {
namespace {

redis::RedisProcessOptions test_options(const std::filesystem::path& data_dir, bool persistence,
                                        std::vector<std::string> extra_config) {
  // A test that loses Redis must not die of SIGPIPE in a hiredis write.
  std::signal(SIGPIPE, SIG_IGN);
  redis::RedisProcessOptions options;
  options.data_dir = data_dir;
  options.use_unix_socket = false;
  options.persistence = persistence;
  options.stop_timeout = std::chrono::milliseconds{3000};
  options.extra_config = {"enable-debug-command local"};  // DEBUG SLEEP in deadline tests
  options.extra_config.insert(options.extra_config.end(), extra_config.begin(), extra_config.end());
  return options;
}

}  // namespace

TestRedis::TestRedis(Persistence persistence, std::vector<std::string> extra_config)
    : dir("mi-redis-test"),
      process(test_options(dir.path(), persistence == Persistence::append_only, std::move(extra_config))) {}

redis::Reply TestRedis::command(std::vector<std::string> args, int db) {
  return blocking_command(endpoint(), args, db);
}

redis::Reply blocking_command(const redis::Endpoint& where, const std::vector<std::string>& args, int db) {
  const timeval timeout{2, 0};
  redisContext* raw = where.kind == redis::Endpoint::Kind::unix_socket
                          ? redisConnectUnixWithTimeout(where.path.c_str(), timeout)
                          : redisConnectWithTimeout(where.host.c_str(), where.port, timeout);
  if (raw == nullptr) throw std::runtime_error("TestRedis: out of memory");
  const std::unique_ptr<redisContext, decltype(&redisFree)> context(raw, &redisFree);
  if (context->err != 0) throw std::runtime_error(std::string("TestRedis: connect: ") + context->errstr);
  redisSetTimeout(context.get(), timeout);

  auto run = [&](const std::vector<std::string>& command) {
    std::vector<const char*> argv;
    std::vector<std::size_t> sizes;
    for (const auto& arg : command) {
      argv.push_back(arg.data());
      sizes.push_back(arg.size());
    }
    auto* reply = static_cast<redisReply*>(
        redisCommandArgv(context.get(), static_cast<int>(argv.size()), argv.data(), sizes.data()));
    if (reply == nullptr) throw std::runtime_error(std::string("TestRedis: command: ") + context->errstr);
    redis::Reply copy = redis::copy_reply(*reply);
    freeReplyObject(reply);
    return copy;
  };
  if (const auto& credentials = where.credentials) {
    const auto authenticated = credentials->user.empty() ? run({"AUTH", credentials->password})
                                                         : run({"AUTH", credentials->user, credentials->password});
    if (authenticated.is_error()) throw std::runtime_error("TestRedis: AUTH: " + authenticated.str);
  }
  if (db != 0) {
    const auto selected = run({"SELECT", std::to_string(db)});
    if (selected.is_error()) throw std::runtime_error("TestRedis: SELECT: " + selected.str);
  }
  return run(args);
}

}  // namespace mi::test
