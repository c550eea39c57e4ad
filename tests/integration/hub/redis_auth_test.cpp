// A Redis that asks for a password (docs/protocol.md section 6): the default user's password and a
// Redis 6 ACL user in `--redis`, a wrong password, and the password in no log line, error or
// metric.

#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <string>

#include "tests/support/eventually.hpp"
#include "tests/support/hub_fixture.hpp"
#include "tests/support/json_pointer.hpp"
#include "tests/support/ws_client.hpp"

using namespace mi::test;

namespace {

constexpr const char* kDefaultPassword = "default-pass-5e1b";
constexpr const char* kHubPassword = "hub-pass-9c3d";

// The test's Redis as its default user sees it once it has a password.
mi::redis::Endpoint as_default_user(const TestRedis& redis) {
  auto endpoint = redis.endpoint();
  endpoint.credentials = mi::redis::Credentials{"", kDefaultPassword};
  return endpoint;
}

// The test's Redis with a password for the default user and an ACL user for the hubs.
void require_passwords(TestRedis& redis) {
  REQUIRE(redis.command({"ACL", "SETUSER", "mi-hub", "on", std::string(">") + kHubPassword, "~*", "&*", "+@all"})
              .str == "OK");
  REQUIRE(redis.command({"CONFIG", "SET", "requirepass", kDefaultPassword}).str == "OK");
}

std::string url_with(const TestRedis& redis, const std::string& user_info) {
  return "redis://" + user_info + "@127.0.0.1:" + std::to_string(redis.endpoint().port);
}

HubOptions options_for(const std::string& url) {
  HubOptions options;
  options.redis_url = url;
  return options;
}

// mi-hub run to its end with `args`; its exit status and what it printed.
std::pair<int, std::string> run_hub(const std::string& args) {
  std::array<char, 4096> buffer{};
  std::string output;
  FILE* pipe = popen((built_binary("mi-hub") + " " + args + " 2>&1").c_str(), "r");
  REQUIRE(pipe != nullptr);
  while (auto n = fread(buffer.data(), 1, buffer.size(), pipe)) output.append(buffer.data(), n);
  const int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

}  // namespace

TEST_CASE("hubs log in with the default user's password and as an ACL user, and never show either",
          "[redis-auth]") {
  TestRedis redis;
  require_passwords(redis);
  HubProcess with_password(options_for(url_with(redis, std::string(":") + kDefaultPassword)));
  HubProcess as_acl_user(options_for(url_with(redis, std::string("mi-hub:") + kHubPassword)));

  // One system across both: an agent onboarded on one is seen joining by a watcher on the other.
  WsClient watcher(as_acl_user.port());
  watcher.send(R"({"type":"watch","colony":"c1","token":")" + as_acl_user.admin_token() + R"("})");
  watcher.expect("snapshot");
  auto invite = http_request(with_password.port(), "POST", "/v1/colonies/c1/invites", "{}",
                             {{"authorization", "Bearer " + with_password.admin_token()}});
  REQUIRE(invite.status == 201);
  WsClient agent(with_password.port());
  REQUIRE(onboard(agent, json_at(invite.body, "/code").value(), "jared").type == "welcome");
  CHECK(watcher.expect("event").event == "join");

  for (auto* hub : {&with_password, &as_acl_user}) {
    auto metrics = http_request(hub->port(), "GET", "/metrics").body;
    auto log = hub->log();
    INFO(log);
    CHECK(log.find(":***@127.0.0.1") != std::string::npos);  // the URL as logs show it
    for (const char* secret : {kDefaultPassword, kHubPassword}) {
      CHECK(log.find(secret) == std::string::npos);
      CHECK(metrics.find(secret) == std::string::npos);
    }
  }
}

TEST_CASE("a wrong password: the hub says why without the password, is not ready, and answers unavailable",
          "[redis-auth]") {
  TestRedis redis;
  require_passwords(redis);
  auto options = options_for(url_with(redis, "mi-hub:wrong-pass-0a7f"));
  options.wait_ready = false;
  HubProcess hub(options);
  CHECK(eventually([&] { return hub.log().find("Redis refused AUTH as user mi-hub: WRONGPASS") != std::string::npos; }));
  CHECK(http_request(hub.port(), "GET", "/readyz").status == 503);
  auto listed = http_request(hub.port(), "GET", "/v1/colonies/c1/agents", "",
                             {{"authorization", "Bearer " + hub.admin_token()}});
  CHECK(listed.status == 503);
  CHECK(json_at(listed.body, "/error/code") == std::optional<std::string>("unavailable"));
  auto log = hub.log();
  INFO(log);
  CHECK(log.find("wrong-pass-0a7f") == std::string::npos);
  CHECK(http_request(hub.port(), "GET", "/metrics").body.find("wrong-pass-0a7f") == std::string::npos);
  // Said once per link (2 shards and the event subscriber), not at every attempt to reconnect.
  std::size_t said = 0;
  for (auto at = log.find("WRONGPASS"); at != std::string::npos; at = log.find("WRONGPASS", at + 1)) ++said;
  CHECK(said <= 3);

  // Once Redis knows that password, the hub is ready without a restart.
  REQUIRE(blocking_command(as_default_user(redis), {"ACL", "SETUSER", "mi-hub", ">wrong-pass-0a7f"}).str == "OK");
  CHECK(eventually([&] { return http_request(hub.port(), "GET", "/readyz").status == 200; }));
}

TEST_CASE("a --redis URL that does not parse is refused at start without its password", "[redis-auth]") {
  auto [status, output] = run_hub("--redis 'redis://mi-hub:s3cret-77@127.0.0.1:6379/not-a-db' --listen 127.0.0.1:0");
  CHECK(status == 2);
  INFO(output);
  CHECK(output.find("redis://***@127.0.0.1:6379/not-a-db") != std::string::npos);
  CHECK(output.find("s3cret-77") == std::string::npos);
}
