// The presence rule (docs/protocol.md section 4) on real hubs and Redis, with a 2 s presence TTL.

#include <catch2/catch.hpp>

#include <sys/socket.h>

#include <charconv>
#include <thread>

#include "tests/support/agent_swarm.hpp"
#include "tests/support/hub_fixture.hpp"
#include "tests/support/json_pointer.hpp"
#include "tests/support/ws_client.hpp"

using namespace mi::test;

namespace {

// The sum of every command's calls in INFO commandstats.
std::uint64_t total_commands(TestRedis& redis) {
  auto info = redis.command({"INFO", "commandstats"}).str;
  std::uint64_t total = 0;
  std::size_t at = 0;
  while ((at = info.find("calls=", at)) != std::string::npos) {
    at += 6;
    std::uint64_t calls = 0;
    std::from_chars(info.data() + at, info.data() + info.size(), calls);
    total += calls;
  }
  return total;
}

}  // namespace

TEST_CASE("an agent that stops sending goes offline with reason timeout after the TTL", "[presence][timeout]") {
  HubFixture f;  // --presence-ttl 2
  WsClient watcher(f.hub.port());
  watcher.send(watch_request("c1", f.hub.admin_token()));
  auto seq = watcher.expect("snapshot").seq;
  // This client sends nothing after onboarding and does not read (so it answers no pings).
  auto code = f.create_invite("c1");
  WsClient silent(f.hub.port());
  // The onboard is the agent's last frame: the hub cannot time it out sooner than a TTL after
  // this, however long the onboard itself takes. The bounds are what the test asserts (offline
  // after one TTL, and not much later), with room for a slow machine above.
  auto last_frame_sent = std::chrono::steady_clock::now();
  REQUIRE(onboard(silent, code, "silent").type == "welcome");
  auto join = watcher.expect("event");
  CHECK(join.event == "join");
  auto offline = watcher.expect("event", 6s);
  auto waited = std::chrono::steady_clock::now() - last_frame_sent;
  CHECK(offline.seq == seq + 2);
  CHECK(offline.event == "offline");
  CHECK(offline.reason == std::optional<std::string>("timeout"));
  CHECK(waited >= 1900ms);
  CHECK(waited < 4s);
}

TEST_CASE("an agent heartbeating for three TTLs never flaps; pings and pongs count as heartbeats", "[presence]") {
  HubFixture f;
  WsClient watcher(f.hub.port());
  watcher.send(watch_request("c1", f.hub.admin_token()));
  watcher.expect("snapshot");
  WsClient json_beats(f.hub.port()), ping_beats(f.hub.port());
  REQUIRE(onboard(json_beats, f.create_invite("c1"), "json").type == "welcome");
  REQUIRE(onboard(ping_beats, f.create_invite("c1"), "ping").type == "welcome");
  watcher.expect("event");
  watcher.expect("event");
  auto until = std::chrono::steady_clock::now() + 6500ms;
  while (std::chrono::steady_clock::now() < until) {
    json_beats.send(R"({"type":"heartbeat"})");
    ping_beats.send_ping();  // a WebSocket control frame, no JSON at all
    std::this_thread::sleep_for(500ms);
  }
  // No offline, no online: nothing at all before a chat sent now, which the watcher must get.
  json_beats.send(R"({"type":"chat","text":"still here"})");
  auto next = watcher.next_message();
  CHECK(next.type == "event");
  CHECK(next.event == "chat");
  CHECK(next.text == std::optional<std::string>("still here"));
  auto listed = f.admin("GET", "/v1/colonies/c1/agents");
  CHECK(json_at(listed.body, "/agents/0/status") == std::optional<std::string>("online"));
  CHECK(json_at(listed.body, "/agents/1/status") == std::optional<std::string>("online"));
  // last_seen follows the heartbeats (refreshed in batches), not the join.
  auto last_seen = std::stoll(json_at(listed.body, "/agents/0/last_seen").value());
  auto joined_at = std::stoll(json_at(listed.body, "/agents/0/joined_at").value());
  CHECK(last_seen - joined_at > 4000);
}

TEST_CASE("1000 agents heartbeating every 100 ms cost Redis only the batched refreshes", "[presence][redis-load]") {
  HubFixture f;  // TTL 2 s: a refresh per agent at most every 0.5 s, batched each second
  std::vector<std::string> codes;
  for (int i = 0; i < 1000; ++i) codes.push_back(f.create_invite("load"));
  AgentSwarm swarm(f.hub.port(), codes, 100ms);
  REQUIRE(swarm.wait_welcomed(60s) == 1000);
  std::this_thread::sleep_for(1s);
  auto commands_before = total_commands(f.redis);
  auto beats_before = swarm.heartbeats_sent();
  std::this_thread::sleep_for(4s);
  auto commands = total_commands(f.redis) - commands_before;
  auto beats = swarm.heartbeats_sent() - beats_before;
  swarm.stop();
  CHECK(swarm.failures() == 0);
  INFO("heartbeats " << beats << ", Redis commands " << commands);
  CHECK(beats > 30000);
  // 4 s at one refresh per agent per second (the refresh period, longer than TTL/4 here), plus
  // the hub's own liveness and sweep traffic; the INFO calls themselves count too.
  CHECK(commands <= 1000 * 5 + 100);
  CHECK(commands * 5 < beats);
}

TEST_CASE("a hub that dies without closing its sockets puts its agents offline (hub_lost) within 15 s", "[presence][hub-lost]") {
  TestRedis redis;
  std::vector<std::string> fast_liveness = {"--hub-liveness", "1.5", "--sweep-period", "0.5"};
  HubProcess survivor(hub_options(redis, fast_liveness));
  HubProcess doomed(hub_options(redis, fast_liveness));
  auto code = json_at(http_request(survivor.port(), "POST", "/v1/colonies/c1/invites", "{}",
                                   {{"authorization", "Bearer " + survivor.admin_token()}}).body, "/code").value();
  WsClient watcher(survivor.port());
  watcher.send(watch_request("c1", survivor.admin_token()));
  watcher.expect("snapshot");
  // The agent is on the doomed hub and keeps heartbeating: only the hub's death can offline it.
  WsClient agent(doomed.port());
  REQUIRE(onboard(agent, code, "stranded").type == "welcome");
  CHECK(watcher.expect("event").event == "join");
  doomed.kill();
  auto killed_at = std::chrono::steady_clock::now();
  auto offline = watcher.expect("event", 15s);
  CHECK(offline.event == "offline");
  CHECK(offline.reason == std::optional<std::string>("hub_lost"));
  CHECK(offline.agent->id == "stranded");
  CHECK(std::chrono::steady_clock::now() - killed_at < 15s);
}

TEST_CASE("events cross hubs: a watcher on one hub sees agents of another, in one order", "[presence][multi-hub]") {
  TestRedis redis;
  HubProcess hub_a(hub_options(redis, {}));
  HubProcess hub_b(hub_options(redis, {}));
  auto admin_a = [&](const std::string& target) {
    return http_request(hub_a.port(), "POST", target, "{}", {{"authorization", "Bearer " + hub_a.admin_token()}});
  };
  WsClient on_a(hub_a.port()), on_b(hub_b.port());
  on_a.send(watch_request("c1", hub_a.admin_token()));
  on_b.send(watch_request("c1", hub_b.admin_token()));
  auto seq_a = on_a.expect("snapshot").seq;
  auto seq_b = on_b.expect("snapshot").seq;
  CHECK(seq_a == seq_b);
  std::vector<std::unique_ptr<WsClient>> agents;
  for (int i = 0; i < 10; ++i) {
    auto code = json_at(admin_a("/v1/colonies/c1/invites").body, "/code").value();
    agents.push_back(std::make_unique<WsClient>(i % 2 ? hub_a.port() : hub_b.port()));
    REQUIRE(onboard(*agents.back(), code, "agent").type == "welcome");
  }
  agents.clear();
  std::vector<std::string> seen_a, seen_b;
  for (int i = 0; i < 20; ++i) {
    auto a = on_a.expect("event");
    auto b = on_b.expect("event");
    CHECK(a.seq == ++seq_a);
    CHECK(b.seq == ++seq_b);
    seen_a.push_back(a.event + " " + a.agent->id);
    seen_b.push_back(b.event + " " + b.agent->id);
  }
  CHECK(seen_a == seen_b);
}

TEST_CASE("a hub taken for lost while alive re-asserts its agents, which come back online", "[presence][hub-lost]") {
  HubFixture f({"--hub-liveness", "3", "--sweep-period", "0.3"});
  WsClient watcher(f.hub.port());
  watcher.send(watch_request("c1", f.hub.admin_token()));
  watcher.expect("snapshot");
  WsClient agent(f.hub.port());
  REQUIRE(onboard(agent, f.create_invite("c1"), "steady").type == "welcome");
  CHECK(watcher.expect("event").event == "join");
  // What claim_lost_hubs does to a hub whose liveness key Redis lost during an outage.
  const auto& hub_id = f.hub.instance();
  f.redis.command({"EVAL",
                   "redis.call('DEL', KEYS[1]) redis.call('SREM', KEYS[2], ARGV[1]) "
                   "redis.call('SUNIONSTORE', KEYS[3], KEYS[3], KEYS[4]) redis.call('DEL', KEYS[4]) return 1",
                   "4", "mi:test:{hubs}:alive:" + hub_id, "mi:test:{hubs}:all", "mi:test:{hubs}:orphans",
                   "mi:test:{hubs}:conns:" + hub_id, hub_id});
  // Whether the sweep offlines the old connection before or after the hub re-asserts, the agent
  // ends online, with its socket listed again, and any offline is followed by an online.
  std::vector<std::string> events;
  auto deadline = std::chrono::steady_clock::now() + 6s;
  while (std::chrono::steady_clock::now() < deadline) {
    agent.send(R"({"type":"heartbeat"})");
    if (auto text = watcher.receive(200ms)) {
      auto event = mi::protocol::parse_server_message(*text);
      REQUIRE(event);
      events.push_back(event->event + (event->reason ? " " + *event->reason : ""));
    }
    bool settled = f.redis.command({"HGET", "mi:test:{c:c1}:agent:steady", "status"}).str == "online" &&
                   f.redis.command({"SCARD", "mi:test:{hubs}:orphans"}).integer == 0 &&
                   f.redis.command({"SISMEMBER", "mi:test:{hubs}:all", hub_id}).integer == 1 &&
                   f.redis.command({"SCARD", "mi:test:{hubs}:conns:" + hub_id}).integer == 1;
    if (settled && (events.empty() || events.back() == "online")) break;
  }
  CHECK(f.redis.command({"HGET", "mi:test:{c:c1}:agent:steady", "status"}).str == "online");
  CHECK(f.redis.command({"SCARD", "mi:test:{hubs}:conns:" + hub_id}).integer == 1);
  CHECK(f.redis.command({"HLEN", "mi:test:{c:c1}:conns:steady"}).integer == 1);
  if (!events.empty()) {
    CHECK(events == std::vector<std::string>{"offline hub_lost", "online"});
  }
}

TEST_CASE("an agent whose connection the hub cannot record is put offline again", "[presence][hub-lost]") {
  HubFixture f;
  std::string token;
  {
    WsClient agent(f.hub.port());
    token = onboard(agent, f.create_invite("c1"), "jared").token.value();
    agent.close();
  }
  WsClient watcher(f.hub.port());
  watcher.send(watch_request("c1", f.hub.admin_token()));
  watcher.expect("snapshot");
  // The hub's set of the connections it holds becomes a string: recording one fails, while the
  // connect script, sent with it, runs. Without its record no sweep would ever put the agent
  // offline, so the hub must undo the connect itself.
  auto conns_key = "mi:test:{hubs}:conns:" + f.hub.instance();
  f.redis.command({"DEL", conns_key});
  f.redis.command({"SET", conns_key, "not a set"});
  WsClient again(f.hub.port());
  again.send(R"({"type":"hello","token":")" + token + R"("})");
  auto error = again.expect("error");
  CHECK(error.code == "internal");
  // Online (the connect ran), then offline: the hub undid it.
  auto online = watcher.expect("event");
  CHECK(online.event == "online");
  auto offline = watcher.expect("event");
  CHECK(offline.event == "offline");
  CHECK(offline.seq == online.seq + 1);
  auto listed = f.admin("GET", "/v1/colonies/c1/agents");
  CHECK(json_at(listed.body, "/agents/0/status") == std::optional<std::string>("offline"));
}
