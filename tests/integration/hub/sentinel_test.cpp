// Redis behind Sentinel (docs/protocol.md section 6) on real processes: a primary, its replica and three
// redis-sentinel processes. The hub finds the primary through the sentinels, follows a failover
// with agents and watchers connected, and waits for a replica before it answers a redemption.

#include <catch2/catch.hpp>

#include <signal.h>

#include <chrono>
#include <map>
#include <string>

#include "tests/support/eventually.hpp"
#include "tests/support/hub_process.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/json_pointer.hpp"
#include "tests/support/test_sentinels.hpp"
#include "tests/support/ws_client.hpp"

using namespace mi::test;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

std::string create_invite(const HubProcess& hub, const std::string& colony) {
  HttpReply reply;
  // The first request after a failover may meet a link still reconnecting.
  REQUIRE(eventually([&] {
    reply = http_request(hub.port(), "POST", "/v1/colonies/" + colony + "/invites", "{}",
                         {{"authorization", "Bearer " + hub.admin_token()}});
    return reply.status == 201;
  }, 10s));
  return json_at(reply.body, "/code").value();
}

// Onboards `name` with `code` on `first`, and again on fresh sockets while the hub answers
// `unavailable` after a failover; true once a welcome came within 10 s.
bool onboard_once_serving(const HubProcess& hub, WsClient& first, const std::string& code, const std::string& name) {
  auto welcome = onboard(first, code, name);
  return eventually([&] {
    if (welcome.type == "welcome") return true;
    WsClient again(hub.port());
    welcome = onboard(again, code, name);
    return welcome.type == "welcome";
  }, 10s);
}

// The value of one unlabelled counter of /metrics.
long long metric(const HubProcess& hub, const std::string& name) {
  const auto body = http_request(hub.port(), "GET", "/metrics").body;
  const auto at = body.find("\n" + name + " ");
  REQUIRE(at != std::string::npos);
  return std::stoll(body.substr(at + name.size() + 2));
}

std::string primary_line(const mi::redis::HostPort& address) {
  return "Redis primary of mymaster is at " + address.describe();
}

}  // namespace

TEST_CASE("through Sentinel, a failover with agents and watchers connected: serving again, nobody offline",
          "[sentinel]") {
  SentinelTopology redis;
  HubOptions options;
  options.redis_url = redis.url();
  options.presence_ttl = "10";  // the agent beats through the failover, well within it
  HubProcess hub(options);
  CHECK(hub.log().find(primary_line(redis.primary_address())) != std::string::npos);

  WsClient watcher(hub.port());
  watcher.send(watch_request("c1", hub.admin_token()));
  watcher.expect("snapshot");
  WsClient before(hub.port());
  REQUIRE(onboard(before, create_invite(hub, "c1"), "before").type == "welcome");
  const auto joined = watcher.expect("event");
  CHECK(joined.event == "join");

  const auto old_primary = redis.primary_address();
  redis.failover();
  const auto failed_over_at = Clock::now();
  const auto new_primary = redis.primary_address();
  REQUIRE(new_primary != old_primary);
  before.send(R"({"type":"heartbeat"})");

  // Serving again: an invite made and redeemed on the new primary.
  WsClient after(hub.port());
  const auto code = create_invite(hub, "c1");
  REQUIRE(onboard_once_serving(hub, after, code, "after"));
  CHECK(Clock::now() - failed_over_at < 5s);
  CHECK(eventually([&] { return hub.log().find(primary_line(new_primary)) != std::string::npos; }));
  CHECK(redis.server_at(new_primary).command({"HGET", "mi:test:{c:c1}:invite:" + code, "status"}).str == "redeemed");

  // The next event the watcher sees is the newcomer's join: nobody went offline, and its seq
  // follows the one before the failover.
  before.send(R"({"type":"heartbeat"})");
  const auto next = watcher.expect("event", 10s);
  CHECK(next.event == "join");
  CHECK(next.agent->id == "after");
  CHECK(next.seq > joined.seq);
  auto agents = http_request(hub.port(), "GET", "/v1/colonies/c1/agents", "",
                             {{"authorization", "Bearer " + hub.admin_token()}});
  INFO(agents.body);
  CHECK(json_at(agents.body, "/agents/0/status") == std::optional<std::string>("online"));
  CHECK(json_at(agents.body, "/agents/1/status") == std::optional<std::string>("online"));
}

TEST_CASE("through Sentinel with a password: the hub logs in to each primary in turn and never shows it",
          "[sentinel][redis-auth]") {
  constexpr const char* kPassword = "sentinel-pass-7f2a";
  SentinelTopology redis(kPassword);
  HubOptions options;
  // sentinel://PASSWORD@h:p,h:p,h:p/mymaster: the sentinels here ask for no password, and the
  // hub's AUTH to them is refused and ignored.
  options.redis_url = "sentinel://" + std::string(kPassword) + "@" + redis.url().substr(std::string("sentinel://").size());
  HubProcess hub(options);

  WsClient first(hub.port());
  REQUIRE(onboard(first, create_invite(hub, "c1"), "first").type == "welcome");
  redis.failover();
  const auto new_primary = redis.primary_address();
  WsClient after(hub.port());
  const auto code = create_invite(hub, "c1");
  REQUIRE(onboard_once_serving(hub, after, code, "after"));
  CHECK(redis.server_command(redis.server_at(new_primary), {"HGET", "mi:test:{c:c1}:invite:" + code, "status"}).str ==
        "redeemed");
  CHECK(hub.log().find(kPassword) == std::string::npos);
  CHECK(http_request(hub.port(), "GET", "/metrics").body.find(kPassword) == std::string::npos);
}

TEST_CASE("through Sentinel with a wrong password: not ready, and the log says why without the password",
          "[sentinel][redis-auth]") {
  SentinelTopology redis("sentinel-pass-7f2a");
  HubOptions options;
  options.redis_url = "sentinel://wrong-pass-31c8@" + redis.url().substr(std::string("sentinel://").size());
  options.wait_ready = false;
  HubProcess hub(options);
  CHECK(eventually([&] { return hub.log().find("Redis refused AUTH") != std::string::npos; }, 10s));
  CHECK(http_request(hub.port(), "GET", "/readyz").status == 503);
  CHECK(hub.log().find("wrong-pass-31c8") == std::string::npos);
}

TEST_CASE("a redemption waits for a replica to hold it before its welcome (WAIT)", "[sentinel][wait]") {
  SentinelTopology redis;
  HubOptions options;
  options.redis_url = redis.url();
  options.extra_args = {"--redis-timeout", "1"};  // WAIT gets half of it
  HubProcess hub(options);

  WsClient first(hub.port());
  REQUIRE(onboard(first, create_invite(hub, "c1"), "replicated").type == "welcome");
  CHECK(metric(hub, "mi_redemptions_unreplicated_total") == 0);

  // A replica that stops acknowledging: the welcome still comes (the code is consumed), after the
  // wait, and the shortfall is counted and logged.
  const auto replica_pid = redis.second.process.pid();
  REQUIRE(kill(replica_pid, SIGSTOP) == 0);
  WsClient second(hub.port());
  const auto code = create_invite(hub, "c1");
  const auto welcome = onboard(second, code, "unreplicated");
  REQUIRE(kill(replica_pid, SIGCONT) == 0);
  CHECK(welcome.type == "welcome");
  CHECK(metric(hub, "mi_redemptions_unreplicated_total") == 1);
  CHECK(hub.log().find("invite " + code + " redeemed before 1 replica(s) acknowledged it") != std::string::npos);

  // A clone waits the same way: its token must survive a failover too.
  REQUIRE(kill(replica_pid, SIGSTOP) == 0);
  second.send(R"({"type":"clone"})");
  const auto cloned = second.expect("cloned");
  REQUIRE(kill(replica_pid, SIGCONT) == 0);
  CHECK(metric(hub, "mi_redemptions_unreplicated_total") == 2);
  CHECK(hub.log().find("clone c1/" + cloned.agent->id + " made before 1 replica(s) acknowledged it") != std::string::npos);

  // Behind Sentinel a primary is meant to have a replica: with none connected (the replica gone,
  // as an old primary is while it restarts), the answer falls short at once and says so.
  redis.second.process.kill();
  REQUIRE(eventually([&] {
    const auto role = redis.server_command(redis.first, {"ROLE"});
    return role.is_array() && role.elements.size() == 3 && role.elements[2].elements.empty();
  }, 10s));
  WsClient third(hub.port());
  const auto alone = create_invite(hub, "c1");
  CHECK(onboard(third, alone, "alone").type == "welcome");
  CHECK(metric(hub, "mi_redemptions_unreplicated_total") == 3);
  CHECK(hub.log().find("invite " + alone + " redeemed before 1 replica(s) acknowledged it (0 did)") != std::string::npos);
}

TEST_CASE("with no sentinel answering the hub is not ready and says why, then serves once one does",
          "[sentinel]") {
  SentinelTopology redis;
  HubOptions options;
  // The first sentinel listed is not there: the hub goes on to the next.
  const auto dead_port = mi::redis::find_free_port();
  options.redis_url = "sentinel://127.0.0.1:" + std::to_string(dead_port) + "," + redis.url().substr(11);
  HubProcess hub(options);
  CHECK(http_request(hub.port(), "GET", "/readyz").status == 200);

  HubOptions nowhere;
  nowhere.redis_url = "sentinel://127.0.0.1:" + std::to_string(dead_port) + "/mymaster";
  nowhere.wait_ready = false;
  HubProcess lost(nowhere);
  CHECK(http_request(lost.port(), "GET", "/readyz").status == 503);
  CHECK(eventually([&] {
    return lost.log().find("no sentinel of sentinel://127.0.0.1:" + std::to_string(dead_port) +
                           "/mymaster?db=0 names the primary") != std::string::npos;
  }));

  HubOptions unknown_master;
  unknown_master.redis_url = redis.url() + "x";
  unknown_master.wait_ready = false;
  HubProcess confused(unknown_master);
  CHECK(eventually([&] { return confused.log().find("does not know master mymasterx") != std::string::npos; }));
  CHECK(http_request(confused.port(), "GET", "/readyz").status == 503);
}
