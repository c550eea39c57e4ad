// Presence beyond a held socket (docs/protocol.md section 7) on real hubs and Redis: the grace of
// a dropped socket, across hubs; HTTP beats; health reports of hosted agents. A check that no
// event came waits on a later event (a chat), never on a fixed sleep.

#include <catch2/catch.hpp>

#include <chrono>
#include <thread>

#include "tests/support/eventually.hpp"
#include "tests/support/hub_fixture.hpp"
#include "tests/support/json_pointer.hpp"
#include "tests/support/ws_client.hpp"

using namespace mi::test;
using namespace std::chrono_literals;

namespace {

std::string hello(const std::string& token) { return R"({"type":"hello","token":")" + token + R"("})"; }
std::string chat(const std::string& text) { return R"({"type":"chat","text":")" + text + R"("})"; }

HttpReply beat(unsigned short port, const std::string& token, const std::string& body = "") {
  return http_request(port, "POST", "/v1/agents/heartbeat", body, {{"authorization", "Bearer " + token}});
}

HttpReply admin_post(const HubProcess& hub, const std::string& target, const std::string& body) {
  return http_request(hub.port(), "POST", target, body, {{"authorization", "Bearer " + hub.admin_token()}});
}

// The agent as GET /v1/colonies/c1/agents lists it (empty when absent).
std::string listed_agent(const HubProcess& hub, const std::string& id) {
  auto reply = http_request(hub.port(), "GET", "/v1/colonies/c1/agents", "",
                            {{"authorization", "Bearer " + hub.admin_token()}});
  for (int i = 0;; ++i) {
    auto agent_id = json_at(reply.body, "/agents/" + std::to_string(i) + "/id");
    if (!agent_id) return {};
    if (*agent_id == id) {
      return json_at(reply.body, "/agents/" + std::to_string(i) + "/status").value() + " sockets=" +
             json_at(reply.body, "/agents/" + std::to_string(i) + "/sockets").value_or("?");
    }
  }
}

// The watcher's next event (of any kind), which must have the next seq.
mi::protocol::ServerMessage next_event(WsClient& watcher, std::uint64_t& seq, std::chrono::milliseconds timeout = 5s) {
  auto event = watcher.expect("event", timeout);
  CHECK(event.seq == seq + 1);
  seq = event.seq;
  return event;
}

// A hub with a watcher of c1 that has read its snapshot.
struct WatchedHub {
  explicit WatchedHub(std::vector<std::string> flags) : f(std::move(flags)), watcher(f.hub.port()) {
    watcher.send(watch_request("c1", f.hub.admin_token()));
    seq = watcher.expect("snapshot").seq;
  }
  // An agent onboarded on a socket of its own, its join seen.
  void onboard_agent(WsClient& agent, const std::string& name) {
    REQUIRE(onboard(agent, f.create_invite("c1"), name).type == "welcome");
    CHECK(next_event(watcher, seq).event == "join");
  }

  HubFixture f;
  WsClient watcher;
  std::uint64_t seq = 0;
};

}  // namespace

TEST_CASE("a drop healed within the grace on another hub makes no event at all", "[presence][grace][multi-hub]") {
  TestRedis redis;
  HubProcess hub_a(hub_options(redis, {"--offline-grace", "5"}));
  HubProcess hub_b(hub_options(redis, {"--offline-grace", "5"}));
  WsClient watcher(hub_a.port());
  watcher.send(watch_request("c1", hub_a.admin_token()));
  auto seq = watcher.expect("snapshot").seq;

  auto code = json_at(admin_post(hub_a, "/v1/colonies/c1/invites", "{}").body, "/code").value();
  WsClient first(hub_a.port());
  auto welcome = onboard(first, code, "jared");
  REQUIRE(welcome.type == "welcome");
  CHECK(next_event(watcher, seq).event == "join");

  first.drop();  // a network drop: no close frame
  // Within the grace the agent is online with no socket: what a dashboard shows as reconnecting.
  CHECK(eventually([&] { return listed_agent(hub_a, "jared") == "online sockets=0"; }, 5s));
  WsClient second(hub_b.port());
  second.send(hello(welcome.token.value()));
  CHECK(second.expect("welcome").agent->status == "online");
  CHECK(listed_agent(hub_a, "jared") == "online sockets=1");
  CHECK(redis.command({"ZCARD", "mi:test:{c:c1}:leases"}).integer == 0);

  // The barrier: the agent's chat is the watcher's next event, with no offline or online before it.
  second.send(chat("back"));
  auto next = next_event(watcher, seq);
  CHECK(next.event == "chat");
  CHECK(next.text == std::optional<std::string>("back"));
}

TEST_CASE("a drop that does not heal makes one offline, with its reason, when the grace ends", "[presence][grace]") {
  WatchedHub w({"--offline-grace", "1.5"});
  auto& [f, watcher, seq] = w;
  WsClient agent(f.hub.port());
  w.onboard_agent(agent, "jared");

  const auto dropped_at = std::chrono::system_clock::now();
  agent.drop();
  auto offline = next_event(watcher, seq, 10s);
  CHECK(offline.event == "offline");
  CHECK(offline.reason == std::optional<std::string>("closed"));
  CHECK(offline.agent->sockets == std::optional<std::int64_t>(0));
  const auto dropped_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(dropped_at.time_since_epoch()).count();
  CHECK(offline.ts >= dropped_ms + 1'500);
  CHECK(f.redis.command({"HEXISTS", "mi:test:{c:c1}:agent:jared", "grace_until"}).integer == 0);
}

TEST_CASE("a close frame from the agent, or silence for the TTL, is offline at once whatever the grace", "[presence][grace]") {
  WatchedHub w({"--offline-grace", "60"});
  auto& [f, watcher, seq] = w;
  WsClient leaving(f.hub.port());
  w.onboard_agent(leaving, "leaving");
  leaving.close(1000);
  auto closed = next_event(watcher, seq);  // 5 s, far below the 60 s grace
  CHECK(closed.event == "offline");
  CHECK(closed.reason == std::optional<std::string>("closed"));

  // Onboarded, then silent (it reads nothing, so it answers no pings) for the 2 s TTL.
  WsClient silent(f.hub.port());
  w.onboard_agent(silent, "silent");
  auto timed_out = next_event(watcher, seq, 8s);
  CHECK(timed_out.event == "offline");
  CHECK(timed_out.reason == std::optional<std::string>("timeout"));
}

TEST_CASE("a hub that dies: its agents come back on another hub within the grace with no event, or go offline hub_lost",
          "[presence][grace][hub-lost]") {
  TestRedis redis;
  std::vector<std::string> flags = {"--offline-grace", "4", "--hub-liveness", "1.5", "--sweep-period", "0.5"};
  // A TTL longer than the test: the sockets here send nothing while the test waits.
  auto options = hub_options(redis, flags);
  options.presence_ttl = "60";
  HubProcess survivor(options);
  HubProcess doomed(options);
  WsClient watcher(survivor.port());
  watcher.send(watch_request("c1", survivor.admin_token()));
  auto seq = watcher.expect("snapshot").seq;

  WsClient returning(doomed.port()), stranded(doomed.port());
  auto welcome = onboard(returning, json_at(admin_post(survivor, "/v1/colonies/c1/invites", "{}").body, "/code").value(),
                         "returning");
  REQUIRE(welcome.type == "welcome");
  CHECK(next_event(watcher, seq).event == "join");
  REQUIRE(onboard(stranded, json_at(admin_post(survivor, "/v1/colonies/c1/invites", "{}").body, "/code").value(),
                  "stranded").type == "welcome");
  CHECK(next_event(watcher, seq).event == "join");

  doomed.kill();
  const auto killed_at = std::chrono::steady_clock::now();
  WsClient back(survivor.port());
  back.send(hello(welcome.token.value()));
  CHECK(back.expect("welcome").agent->status == "online");
  // Only the agent that did not come back goes offline: hub_lost, once the hub is found lost and
  // the grace has passed, within the contract's 15 s.
  auto offline = next_event(watcher, seq, 15s);
  CHECK(offline.event == "offline");
  CHECK(offline.agent->id == "stranded");
  CHECK(offline.reason == std::optional<std::string>("hub_lost"));
  CHECK(std::chrono::steady_clock::now() - killed_at < 15s);
  back.send(chat("still here"));
  CHECK(next_event(watcher, seq).event == "chat");
}

TEST_CASE("HTTP beats keep an agent online on any hub, then it goes offline timeout", "[presence][http-beat]") {
  TestRedis redis;
  HubProcess hub_a(hub_options(redis, {}));  // --presence-ttl 2
  HubProcess hub_b(hub_options(redis, {}));
  WsClient watcher(hub_a.port());
  watcher.send(watch_request("c1", hub_a.admin_token()));
  auto seq = watcher.expect("snapshot").seq;
  std::string token;
  {
    WsClient agent(hub_a.port());
    auto welcome = onboard(agent, json_at(admin_post(hub_a, "/v1/colonies/c1/invites", "{}").body, "/code").value(),
                           "cron");
    REQUIRE(welcome.type == "welcome");
    token = welcome.token.value();
    agent.close(1000);
  }
  CHECK(next_event(watcher, seq).event == "join");
  CHECK(next_event(watcher, seq).event == "offline");

  CHECK(beat(hub_a.port(), "c1:cron:wrong-secret").status == 401);
  CHECK(beat(hub_a.port(), "not a token").status == 401);
  CHECK(http_request(hub_a.port(), "POST", "/v1/agents/heartbeat").status == 401);
  CHECK(beat(hub_a.port(), token, R"({"meta":"text"})").status == 400);

  auto first = beat(hub_a.port(), token);
  CHECK(first.status == 204);
  CHECK(first.body.empty());
  auto online = next_event(watcher, seq);
  CHECK(online.event == "online");
  CHECK(online.agent->sockets == std::optional<std::int64_t>(0));
  // Beats on either hub, for three TTLs: no offline in between.
  const auto until = std::chrono::steady_clock::now() + 6s;
  auto last_beat = std::chrono::steady_clock::now();
  for (int i = 0; std::chrono::steady_clock::now() < until; ++i) {
    last_beat = std::chrono::steady_clock::now();
    REQUIRE(beat(i % 2 ? hub_a.port() : hub_b.port(), token, i == 3 ? R"({"meta":{"job":"nightly"}})" : "").status == 204);
    std::this_thread::sleep_for(500ms);
  }
  auto update = next_event(watcher, seq);
  CHECK(update.event == "update");
  CHECK(update.meta_json == std::optional<std::string>(R"({"job":"nightly"})"));
  REQUIRE(http_request(hub_b.port(), "POST", "/v1/agents/chat", R"({"text":"done"})",
                       {{"authorization", "Bearer " + token}}).status == 200);
  CHECK(next_event(watcher, seq).event == "chat");

  // No beat for the TTL: offline, timeout.
  auto offline = next_event(watcher, seq, 6s);
  CHECK(offline.event == "offline");
  CHECK(offline.reason == std::optional<std::string>("timeout"));
  CHECK(std::chrono::steady_clock::now() - last_beat >= 1900ms);
}

TEST_CASE("health reports keep a hosted agent online; unhealthy or no report within the TTL is offline unhealthy",
          "[presence][health]") {
  WatchedHub w({});
  auto& [f, watcher, seq] = w;
  WsClient agent(f.hub.port());
  w.onboard_agent(agent, "jared");
  agent.send(R"({"type":"clone","id":1})");
  auto cloned = agent.expect("cloned");
  REQUIRE(cloned.agent->id == "jared-2");
  CHECK(next_event(watcher, seq).event == "clone");

  const std::string health = "/v1/colonies/c1/agents/jared-2/health";
  CHECK(http_request(f.hub.port(), "POST", health, R"({"healthy":true,"ttl":5})").status == 401);
  CHECK(f.admin("POST", health, R"({"healthy":true})").status == 400);
  CHECK(f.admin("POST", health, R"({"healthy":"yes","ttl":5})").status == 400);
  CHECK(f.admin("POST", health, R"({"healthy":true,"ttl":0})").status == 400);
  auto remote = f.admin("POST", "/v1/colonies/c1/agents/jared/health", R"({"healthy":true,"ttl":5})");
  CHECK(remote.status == 409);
  CHECK(json_at(remote.body, "/error/code") == std::optional<std::string>("not_hosted"));
  CHECK(f.admin("POST", "/v1/colonies/c1/agents/nobody/health", R"({"healthy":true,"ttl":5})").status == 404);

  auto healthy = f.admin("POST", health, R"({"healthy":true,"ttl":30})");
  CHECK(healthy.status == 200);
  CHECK(json_at(healthy.body, "/agent/status") == std::optional<std::string>("online"));
  CHECK(next_event(watcher, seq).event == "online");
  CHECK(f.admin("POST", health, R"({"healthy":true,"ttl":30})").status == 200);  // no event: already online
  CHECK(f.admin("POST", health, R"({"healthy":false})").status == 200);
  auto unhealthy = next_event(watcher, seq);
  CHECK(unhealthy.event == "offline");
  CHECK(unhealthy.reason == std::optional<std::string>("unhealthy"));

  // A healthy report with a short TTL and none after it.
  CHECK(f.admin("POST", health, R"({"healthy":true,"ttl":1.5})").status == 200);
  CHECK(next_event(watcher, seq).event == "online");
  auto lapsed = next_event(watcher, seq, 6s);
  CHECK(lapsed.event == "offline");
  CHECK(lapsed.reason == std::optional<std::string>("unhealthy"));
}
