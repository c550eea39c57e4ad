// RedisProcess: the embedded mode (unix socket, persistence), TCP, failures, a child that dies.

#include <catch2/catch.hpp>

#include <chrono>
#include <csignal>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "hub/redis/redis_process.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/test_redis.hpp"

namespace redis = mi::redis;
using namespace std::chrono_literals;

namespace {

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

TEST_CASE("embedded mode: a unix socket, persistence, clean stop and restart", "[redis][process]") {
  mi::test::TempDir dir("mi-embedded");
  redis::RedisProcessOptions options;
  options.data_dir = dir.path() / "redis";  // created by RedisProcess
  options.use_unix_socket = true;
  options.persistence = true;
  redis::RedisProcess process(options);

  REQUIRE(process.running());
  CHECK(process.pid() > 0);
  const redis::Endpoint endpoint = process.endpoint();
  REQUIRE(endpoint.kind == redis::Endpoint::Kind::unix_socket);
  CHECK(endpoint.path == (dir.path() / "redis" / "redis.sock").string());
  CHECK(process.url() == "unix://" + endpoint.path + "?db=0");
  CHECK(std::filesystem::exists(endpoint.path));

  const std::string config = read_file(dir.path() / "redis" / "redis.conf");
  CHECK(config.find("appendonly yes") != std::string::npos);
  CHECK(config.find("port 0") != std::string::npos);
  CHECK(config.find("unixsocketperm 700") != std::string::npos);
  CHECK(config.find("daemonize no") != std::string::npos);

  CHECK(mi::test::blocking_command(endpoint, {"SET", "durable", "yes"}).str == "OK");

  process.stop();
  CHECK_FALSE(process.running());
  process.stop();  // idempotent
  CHECK_THROWS(mi::test::blocking_command(endpoint, {"PING"}));

  process.restart();
  REQUIRE(process.running());
  CHECK(process.endpoint().path == endpoint.path);
  CHECK(mi::test::blocking_command(endpoint, {"GET", "durable"}).str == "yes");  // read back from the AOF
  CHECK(std::filesystem::exists(dir.path() / "redis" / "redis.log"));
}

TEST_CASE("a child that dies is reported by running()", "[redis][process]") {
  mi::test::TestRedis server;
  REQUIRE(server.process.running());
  const pid_t pid = server.process.pid();
  REQUIRE(::kill(pid, SIGKILL) == 0);
  CHECK(mi::test::eventually([&] { return !server.process.running(); }, 3000ms));
  CHECK_THROWS(server.command({"PING"}));

  server.process.restart();  // same port
  CHECK(server.process.running());
  CHECK(server.command({"PING"}).str == "PONG");
  server.process.kill();
  CHECK_FALSE(server.process.running());
}

TEST_CASE("TCP mode uses a free loopback port; a too long socket path falls back to it", "[redis][process]") {
  mi::test::TempDir dir("mi-tcp");
  redis::RedisProcessOptions options;
  options.data_dir = dir.path() / std::string(110, 'd');
  options.use_unix_socket = true;  // but the socket path would exceed 100 bytes
  options.persistence = false;
  redis::RedisProcess process(options);
  const auto& endpoint = process.endpoint();
  REQUIRE(endpoint.kind == redis::Endpoint::Kind::tcp);
  CHECK(endpoint.host == "127.0.0.1");
  CHECK(endpoint.port != 0);
  CHECK(process.url() == "redis://127.0.0.1:" + std::to_string(endpoint.port) + "/0");
  CHECK(mi::test::blocking_command(endpoint, {"PING"}).str == "PONG");
  CHECK(mi::test::blocking_command(endpoint, {"CONFIG", "GET", "appendonly"}).elements.at(1).str == "no");
}

TEST_CASE("a redis-server that cannot start is reported with its own words", "[redis][process]") {
  mi::test::TempDir dir("mi-broken");
  redis::RedisProcessOptions options;
  options.data_dir = dir.path();
  options.use_unix_socket = true;
  options.extra_config = {"no-such-directive yes"};
  options.start_timeout = 3000ms;
  try {
    redis::RedisProcess process(options);
    FAIL("a bad configuration should not start");
  } catch (const std::runtime_error& error) {
    const std::string message = error.what();
    INFO(message);
    CHECK(message.find("exited during startup") != std::string::npos);
    CHECK(message.find("no-such-directive") != std::string::npos);  // redis' own complaint
  }

  options.extra_config.clear();
  options.redis_server = "/nonexistent/redis-server";
  CHECK_THROWS_AS(redis::RedisProcess(options), std::runtime_error);
}

TEST_CASE("find_free_port gives a bindable loopback port", "[redis][process]") {
  const unsigned short a = redis::find_free_port();
  const unsigned short b = redis::find_free_port();
  CHECK(a != 0);
  CHECK(b != 0);
}
