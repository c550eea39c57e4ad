// The agent's own HTTP calls (docs/protocol.md section 2.6): chat, status and clone signed with
// the agent's token, with the WebSocket's limits, and no effect on the agent's presence.

#include <catch2/catch.hpp>

#include <string>

#include "tests/support/eventually.hpp"
#include "tests/support/hub_fixture.hpp"
#include "tests/support/json_pointer.hpp"
#include "tests/support/ws_client.hpp"

using namespace mi::test;

namespace {

// An agent that onboarded on a socket and closed it: Offline, with no alive key; its token.
std::string offline_agent(HubFixture& f, const std::string& name) {
  WsClient socket(f.hub.port());
  auto token = onboard(socket, f.create_invite("c1"), name).token.value();
  socket.close();
  const std::string key = "mi:test:{c:c1}:agent:" + name;
  REQUIRE(eventually([&] { return f.redis.command({"HGET", key, "status"}).str == "offline"; }));
  // The socket's alive key outlives it by up to a presence TTL (2 s): gone, so that a new one
  // could only be the calls' doing.
  REQUIRE(eventually([&] { return f.redis.command({"EXISTS", "mi:test:{c:c1}:alive:" + name}).integer == 0; }));
  return token;
}

HttpReply agent_call(const HubFixture& f, const std::string& path, const std::string& token,
                     const std::string& body = "") {
  std::map<std::string, std::string> headers;
  if (!token.empty()) headers["authorization"] = "Bearer " + token;
  return http_request(f.hub.port(), "POST", path, body, headers);
}

std::string answer(const HttpReply& reply) {
  return std::to_string(reply.status) + " " + json_at(reply.body, "/error/code").value_or(reply.body);
}

// What the watcher sees until the event `until` (the barrier), as "event agent" words.
std::vector<std::string> events_until(WsClient& watcher, const std::string& until) {
  std::vector<std::string> seen;
  while (true) {
    auto event = watcher.expect("event");
    seen.push_back(event.event + " " + (event.agent ? event.agent->id : std::string("?")));
    if (event.event == until) return seen;
  }
}

}  // namespace

TEST_CASE("an agent's HTTP chat, status and clone make their events and leave its presence alone",
          "[http][agent-api][presence]") {
  HubFixture f;
  const auto token = offline_agent(f, "jared");
  const std::string key = "mi:test:{c:c1}:agent:jared";
  const auto last_seen = f.redis.command({"HGET", key, "last_seen"}).str;
  WsClient watcher(f.hub.port());
  watcher.send(watch_request("c1", f.hub.admin_token()));
  watcher.expect("snapshot");

  auto chat = agent_call(f, "/v1/agents/chat", token, R"({"text":"hello from HTTP"})");
  CHECK(chat.status == 200);
  CHECK(chat.body == R"({"ok":true})");
  auto status = agent_call(f, "/v1/agents/status", token, R"({"meta":{"task":"reviewing PR 12"}})");
  CHECK(status.status == 200);
  CHECK(status.body == R"({"ok":true})");
  auto clone = agent_call(f, "/v1/agents/clone", token);
  CHECK(clone.status == 201);
  CHECK(json_at(clone.body, "/agent/id") == "jared-2");
  CHECK(json_at(clone.body, "/agent/kind") == "hosted");
  CHECK(json_at(clone.body, "/token").value_or("").starts_with("c1:jared-2:"));

  // Every call's event, in order, and no online or offline among them: the clone is the barrier.
  CHECK(events_until(watcher, "clone") ==
        std::vector<std::string>{"chat jared", "update jared", "clone jared-2"});
  CHECK(f.redis.command({"HGET", key, "status"}).str == "offline");
  CHECK(f.redis.command({"HGET", key, "last_seen"}).str == last_seen);
  CHECK(f.redis.command({"EXISTS", "mi:test:{c:c1}:alive:jared"}).integer == 0);
  CHECK(f.redis.command({"HLEN", "mi:test:{c:c1}:conns:jared"}).integer == 0);
  CHECK(f.redis.command({"HGET", key, "meta"}).str == R"({"task":"reviewing PR 12"})");

  // The clone's token works over HTTP too, and a Hosted agent may not clone itself.
  const auto clone_token = json_at(clone.body, "/token").value_or("");
  CHECK(answer(agent_call(f, "/v1/agents/clone", clone_token)) == "403 not_allowed");
  CHECK(agent_call(f, "/v1/agents/chat", clone_token, R"({"text":"hi"})").status == 200);
}

TEST_CASE("the agent's HTTP calls need the agent's token", "[http][agent-api][auth]") {
  HubFixture f;
  const auto token = offline_agent(f, "jared");
  for (const std::string path : {"/v1/agents/chat", "/v1/agents/status", "/v1/agents/clone"}) {
    INFO(path);
    CHECK(answer(agent_call(f, path, "", R"({"text":"x","meta":{}})")) == "401 unauthorized");
    CHECK(answer(agent_call(f, path, "not-a-token", R"({"text":"x","meta":{}})")) == "401 unauthorized");
    // The right agent with another secret, an agent that does not exist, the admin token.
    CHECK(answer(agent_call(f, path, "c1:jared:wrong-secret", R"({"text":"x","meta":{}})")) == "401 unauthorized");
    CHECK(answer(agent_call(f, path, "c1:nobody:" + token.substr(token.rfind(':') + 1), R"({"text":"x","meta":{}})")) ==
          "401 unauthorized");
    CHECK(answer(agent_call(f, path, f.hub.admin_token(), R"({"text":"x","meta":{}})")) == "401 unauthorized");
    CHECK(answer(http_request(f.hub.port(), "GET", path, "", {{"authorization", "Bearer " + token}})) ==
          "405 method_not_allowed");
  }
  // Nothing was done: the colony's stream holds the join and the offline of onboarding only.
  CHECK(f.redis.command({"XLEN", "mi:test:{c:c1}:events"}).integer == 2);
}

TEST_CASE("the agent's HTTP chat and status keep the WebSocket's limits", "[http][agent-api][limits]") {
  HubFixture f({"--chat-per-second", "0.01", "--chat-burst", "2", "--status-min-interval", "60"});
  const auto token = offline_agent(f, "jared");

  CHECK(answer(agent_call(f, "/v1/agents/chat", token, R"({"text":""})")) == "400 bad_request");
  CHECK(answer(agent_call(f, "/v1/agents/chat", token, R"({"words":"hi"})")) == "400 bad_request");
  CHECK(answer(agent_call(f, "/v1/agents/chat", token, "{\"text\":\"" + std::string(4097, 'a') + "\"}")) ==
        "400 bad_request");
  CHECK(answer(agent_call(f, "/v1/agents/chat", token, "not json")) == "400 bad_json");
  CHECK(agent_call(f, "/v1/agents/chat", token, "{\"text\":\"" + std::string(4096, 'a') + "\"}").status == 200);
  CHECK(agent_call(f, "/v1/agents/chat", token, R"({"text":"two"})").status == 200);
  CHECK(answer(agent_call(f, "/v1/agents/chat", token, R"({"text":"three"})")) == "429 rate_limited");

  CHECK(answer(agent_call(f, "/v1/agents/status", token, R"({"meta":"busy"})")) == "400 bad_request");
  CHECK(answer(agent_call(f, "/v1/agents/status", token, "{\"meta\":{\"a\":\"" + std::string(1100, 'a') + "\"}}")) ==
        "400 bad_request");
  CHECK(agent_call(f, "/v1/agents/status", token, R"({"meta":{"task":"one"}})").status == 200);
  // A minute before the next update may go out: far longer than a call is held, so 429.
  auto too_soon = agent_call(f, "/v1/agents/status", token, R"({"meta":{"task":"two"}})");
  CHECK(answer(too_soon) == "429 rate_limited");
  CHECK(too_soon.headers["retry-after"] == "60");
  CHECK(f.redis.command({"HGET", "mi:test:{c:c1}:agent:jared", "meta"}).str == R"({"task":"one"})");
}

TEST_CASE("an HTTP status within --status-min-interval is published when the interval ends", "[http][agent-api][limits]") {
  HubFixture f({"--status-min-interval", "1"});
  const auto token = offline_agent(f, "jared");
  WsClient watcher(f.hub.port());
  watcher.send(watch_request("c1", f.hub.admin_token()));
  watcher.expect("snapshot");
  CHECK(agent_call(f, "/v1/agents/status", token, R"({"meta":{"task":"one"}})").status == 200);
  const auto first = watcher.expect("event");
  CHECK(agent_call(f, "/v1/agents/status", token, R"({"meta":{"task":"two"}})").status == 200);
  const auto second = watcher.expect("event");
  CHECK(first.event == "update");
  CHECK(second.event == "update");
  CHECK(second.ts - first.ts >= 1000);
  CHECK(f.redis.command({"HGET", "mi:test:{c:c1}:agent:jared", "meta"}).str == R"({"task":"two"})");
}

TEST_CASE("the agent's HTTP calls answer 503 unavailable while Redis does not", "[http][agent-api][redis]") {
  HubFixture f({"--redis-timeout", "1"});
  const auto token = offline_agent(f, "jared");
  f.redis.command({"CLIENT", "PAUSE", "3000", "ALL"});
  CHECK(answer(agent_call(f, "/v1/agents/chat", token, R"({"text":"hi"})")) == "503 unavailable");
}
