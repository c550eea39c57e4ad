// The colony reads of docs/protocol.md section 7: an agent's presence history and uptime, a
// colony's counts across hubs, its chat history; who may read them.

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "hub/redis/embedded_scripts.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/hub_fixture.hpp"
#include "tests/support/json_pointer.hpp"
#include "tests/support/ws_client.hpp"

using namespace mi::test;
using namespace std::chrono_literals;

namespace {

std::string hello(const std::string& token) { return R"({"type":"hello","token":")" + token + R"("})"; }

HttpReply read_as(const HubProcess& hub, const std::string& target, const std::string& token) {
  return http_request(hub.port(), "GET", target, "", {{"authorization", "Bearer " + token}});
}

std::string watch_token(const HubFixture& f, const std::string& colony) {
  return json_at(f.admin("POST", "/v1/colonies/" + colony + "/watch-token").body, "/token").value();
}

// A watcher of the colony that has its snapshot, to wait on the colony's events.
struct Watcher {
  Watcher(const HubProcess& hub, const std::string& colony) : ws(hub.port()) {
    ws.send(watch_request(colony, hub.admin_token()));
    ws.expect("snapshot");
  }
  std::string next_event() { return ws.expect("event").event; }
  WsClient ws;
};

std::optional<std::string> at(const HttpReply& reply, std::string_view pointer) { return json_at(reply.body, pointer); }

}  // namespace

TEST_CASE("an agent's history lists its transitions newest first, with its uptime", "[colony-reads][history]") {
  HubFixture f;
  Watcher watcher(f.hub, "c1");
  std::string token;
  {
    WsClient agent(f.hub.port());
    const auto welcome = onboard(agent, f.create_invite("c1"), "jared");
    REQUIRE(welcome.type == "welcome");
    token = welcome.token.value();
    REQUIRE(watcher.next_event() == "join");
    agent.close();
    REQUIRE(watcher.next_event() == "offline");
  }
  WsClient again(f.hub.port());
  again.send(hello(token));
  REQUIRE(again.expect("welcome").type == "welcome");
  REQUIRE(watcher.next_event() == "online");

  const auto history = f.admin("GET", "/v1/colonies/c1/agents/jared/history");
  REQUIRE(history.status == 200);
  CHECK(at(history, "/agent/id") == std::optional<std::string>("jared"));
  CHECK(at(history, "/agent/status") == std::optional<std::string>("online"));
  REQUIRE(json_array_size(history.body, "/transitions") == 3);
  CHECK(at(history, "/transitions/0/status") == std::optional<std::string>("online"));
  CHECK(at(history, "/transitions/0/reason") == std::optional<std::string>("null"));
  CHECK(at(history, "/transitions/1/status") == std::optional<std::string>("offline"));
  CHECK(at(history, "/transitions/1/reason") == std::optional<std::string>("closed"));
  CHECK(at(history, "/transitions/2/status") == std::optional<std::string>("online"));
  CHECK(at(history, "/transitions/2/reason") == std::optional<std::string>("join"));
  const auto newest = std::stoll(at(history, "/transitions/0/ts").value());
  const auto offline_at = std::stoll(at(history, "/transitions/1/ts").value());
  const auto joined = std::stoll(at(history, "/transitions/2/ts").value());
  CHECK(newest >= offline_at);
  CHECK(offline_at >= joined);
  CHECK(at(history, "/agent/joined_at") == std::optional<std::string>(std::to_string(joined)));
  // It existed for well under an hour and was offline for part of it: every window says the same.
  const double hour = std::stod(at(history, "/uptime/1h").value());
  CHECK(hour > 0.0);
  CHECK(hour <= 1.0);
  CHECK(at(history, "/uptime/24h") == at(history, "/uptime/1h"));
  CHECK(at(history, "/uptime/7d") == at(history, "/uptime/1h"));

  // since: transitions at or after it; limit: the newest that many.
  const auto since = f.admin("GET", "/v1/colonies/c1/agents/jared/history?since=" + std::to_string(offline_at));
  CHECK(json_array_size(since.body, "/transitions") == 2);
  CHECK(at(since, "/transitions/1/status") == std::optional<std::string>("offline"));
  const auto one = f.admin("GET", "/v1/colonies/c1/agents/jared/history?limit=1");
  CHECK(json_array_size(one.body, "/transitions") == 1);
  CHECK(at(one, "/transitions/0/status") == std::optional<std::string>("online"));
}

TEST_CASE("history is read by the admin or a watcher of its colony; bad requests are refused",
          "[colony-reads][history]") {
  HubFixture f;
  WsClient agent(f.hub.port());
  REQUIRE(onboard(agent, f.create_invite("c1"), "jared").type == "welcome");
  const std::string path = "/v1/colonies/c1/agents/jared/history";

  CHECK(read_as(f.hub, path, watch_token(f, "c1")).status == 200);
  const auto other_colony = read_as(f.hub, path, watch_token(f, "c2"));
  CHECK(other_colony.status == 401);
  CHECK(at(other_colony, "/error/code") == std::optional<std::string>("unauthorized"));
  CHECK(http_request(f.hub.port(), "GET", path).status == 401);
  CHECK(read_as(f.hub, path, "not-a-token").status == 401);

  const auto unknown = f.admin("GET", "/v1/colonies/c1/agents/nobody/history");
  CHECK(unknown.status == 404);
  CHECK(at(unknown, "/error/code") == std::optional<std::string>("not_found"));
  CHECK(f.admin("GET", "/v1/colonies/c1/agents/Not%20An%20Id/history").status == 404);
  for (std::string query : {"since=yesterday", "since=-5", "limit=0", "limit=10001", "limit=two"}) {
    INFO(query);
    const auto bad = f.admin("GET", path + "?" + query);
    CHECK(bad.status == 400);
    CHECK(at(bad, "/error/code") == std::optional<std::string>("bad_request"));
  }
  CHECK(f.admin("GET", "/v1/colonies/c%201/agents/jared/history").status == 400);
}

TEST_CASE("history keeps --history-length transitions and none older than --history-days; removal forgets it",
          "[colony-reads][history]") {
  HubFixture f({"--history-length", "10", "--history-days", "1"});
  Watcher watcher(f.hub, "c1");
  std::string token;
  {
    WsClient agent(f.hub.port());
    const auto welcome = onboard(agent, f.create_invite("c1"), "busy");
    REQUIRE(welcome.type == "welcome");
    token = welcome.token.value();
    REQUIRE(watcher.next_event() == "join");
  }
  REQUIRE(watcher.next_event() == "offline");
  const std::string key = "mi:test:{c:c1}:history:busy";
  // A transition from two days ago, as a list not written to since would still hold it: the
  // next transition drops it, and a read never shows it.
  const auto two_days_ago = std::to_string(std::stoll(json_at(f.admin("GET", "/v1/colonies/c1/agents").body,
                                                               "/agents/0/joined_at").value()) - 2 * 86'400'000LL);
  f.redis.command({"RPUSH", key, two_days_ago + " offline closed"});
  CHECK(json_array_size(f.admin("GET", "/v1/colonies/c1/agents/busy/history").body, "/transitions") == 2);

  const auto cycle = [&] {
    WsClient agent(f.hub.port());
    agent.send(hello(token));
    REQUIRE(agent.expect("welcome").type == "welcome");
    REQUIRE(watcher.next_event() == "online");
    agent.close();
    REQUIRE(watcher.next_event() == "offline");
  };
  cycle();
  // join, offline, online, offline: the old one went by its age, not by the cap.
  CHECK(f.redis.command({"LLEN", key}).integer == 4);
  CHECK(f.redis.command({"LRANGE", key, "0", "-1"}).elements.back().str.find(" online join") != std::string::npos);
  for (int i = 0; i < 5; ++i) cycle();
  CHECK(f.redis.command({"LLEN", key}).integer == 10);
  const auto history = f.admin("GET", "/v1/colonies/c1/agents/busy/history?limit=10");
  CHECK(json_array_size(history.body, "/transitions") == 10);
  CHECK(at(history, "/transitions/0/status") == std::optional<std::string>("offline"));
  CHECK(f.admin("GET", "/v1/colonies/c1/agents/busy/history?limit=11").status == 400);

  REQUIRE(f.admin("DELETE", "/v1/colonies/c1/agents/busy").status == 200);
  CHECK(f.redis.command({"EXISTS", key}).integer == 0);
  CHECK(f.admin("GET", "/v1/colonies/c1/agents/busy/history").status == 404);
}

TEST_CASE("stats count a colony's agents and the watchers of every live hub", "[colony-reads][stats]") {
  // Short liveness: counts are published every beat period, and a dead hub's go within it.
  HubFixture f({"--hub-liveness", "1.5"});
  HubProcess other(hub_options(f.redis, {"--hub-liveness", "1.5"}));
  WsClient online(f.hub.port());
  const auto welcome = onboard(online, f.create_invite("c1"), "jared");
  REQUIRE(welcome.type == "welcome");
  online.send(R"({"type":"clone","id":1})");
  REQUIRE(online.expect("cloned").type == "cloned");
  {
    WsClient leaving(other.port());
    REQUIRE(onboard(leaving, f.create_invite("c1"), "gone").type == "welcome");
    leaving.close();
  }
  Watcher here_1(f.hub, "c1");
  Watcher here_2(f.hub, "c1");
  auto there = std::make_unique<Watcher>(other, "c1");
  Watcher elsewhere(other, "c2");

  const auto stats_are = [&](const std::string& expected) {
    return eventually([&] {
      online.send(R"({"type":"heartbeat"})");  // within the presence TTL of the tests (2 s)
      return f.admin("GET", "/v1/colonies/c1/stats").body == expected;
    }, 10s);
  };
  CHECK(stats_are(R"({"colony":"c1","agents":3,"online":1,"remote":2,"hosted":1,"watchers":3})"));
  CHECK(read_as(other, "/v1/colonies/c1/stats", watch_token(f, "c1")).status == 200);
  CHECK(read_as(other, "/v1/colonies/c1/stats", watch_token(f, "c2")).status == 401);

  there.reset();
  CHECK(stats_are(R"({"colony":"c1","agents":3,"online":1,"remote":2,"hosted":1,"watchers":2})"));

  // A hub that dies holding watchers: its counts expire with its liveness.
  there = std::make_unique<Watcher>(other, "c1");
  REQUIRE(stats_are(R"({"colony":"c1","agents":3,"online":1,"remote":2,"hosted":1,"watchers":3})"));
  other.kill();
  CHECK(stats_are(R"({"colony":"c1","agents":3,"online":1,"remote":2,"hosted":1,"watchers":2})"));
  CHECK(json_at(f.admin("GET", "/v1/colonies/c2/stats").body, "/agents") == std::optional<std::string>("0"));
}

TEST_CASE("chat history pages back from the newest with before and limit", "[colony-reads][chat]") {
  HubFixture f;
  Watcher watcher(f.hub, "c1");
  WsClient agent(f.hub.port());
  REQUIRE(onboard(agent, f.create_invite("c1"), "jared").type == "welcome");
  REQUIRE(watcher.next_event() == "join");
  std::vector<std::string> seqs;
  for (int i = 1; i <= 7; ++i) {
    agent.send(R"({"type":"chat","text":"m)" + std::to_string(i) + R"("})");
    auto event = watcher.ws.expect("event");
    REQUIRE(event.event == "chat");
    seqs.push_back(std::to_string(event.seq));
  }

  const auto newest = f.admin("GET", "/v1/colonies/c1/chat?limit=3");
  REQUIRE(newest.status == 200);
  REQUIRE(json_array_size(newest.body, "/messages") == 3);
  CHECK(at(newest, "/messages/0/text") == std::optional<std::string>("m7"));
  CHECK(at(newest, "/messages/0/event") == std::optional<std::string>("chat"));
  CHECK(at(newest, "/messages/0/from") == std::optional<std::string>("jared"));
  CHECK(at(newest, "/messages/2/text") == std::optional<std::string>("m5"));
  const auto older = f.admin("GET", "/v1/colonies/c1/chat?limit=3&before=" + at(newest, "/messages/2/seq").value());
  REQUIRE(json_array_size(older.body, "/messages") == 3);
  CHECK(at(older, "/messages/0/text") == std::optional<std::string>("m4"));
  CHECK(at(older, "/messages/2/text") == std::optional<std::string>("m2"));
  const auto oldest = f.admin("GET", "/v1/colonies/c1/chat?before=" + seqs[1]);
  REQUIRE(json_array_size(oldest.body, "/messages") == 1);
  CHECK(at(oldest, "/messages/0/text") == std::optional<std::string>("m1"));
  CHECK(json_array_size(f.admin("GET", "/v1/colonies/c1/chat?before=" + seqs[0]).body, "/messages") == 0);
  CHECK(json_array_size(f.admin("GET", "/v1/colonies/c1/chat").body, "/messages") == 7);

  CHECK(read_as(f.hub, "/v1/colonies/c1/chat", watch_token(f, "c1")).status == 200);
  CHECK(read_as(f.hub, "/v1/colonies/c1/chat", watch_token(f, "c2")).status == 401);
  for (std::string query : {"limit=0", "limit=201", "before=0", "before=x"}) {
    INFO(query);
    CHECK(f.admin("GET", "/v1/colonies/c1/chat?" + query).status == 400);
  }
  CHECK(json_array_size(f.admin("GET", "/v1/colonies/c1/chat?limit=200").body, "/messages") == 7);
}

TEST_CASE("chat history survives 20,000 presence events that push it out of the event stream",
          "[colony-reads][chat]") {
  HubFixture f({"--event-stream-length", "10", "--chat-history-length", "5"});
  Watcher watcher(f.hub, "c1");
  WsClient agent(f.hub.port());
  REQUIRE(onboard(agent, f.create_invite("c1"), "jared").type == "welcome");
  REQUIRE(watcher.next_event() == "join");
  for (int i = 1; i <= 6; ++i) {
    agent.send(R"({"type":"chat","text":"m)" + std::to_string(i) + R"("})");
    REQUIRE(watcher.ws.expect("event").event == "chat");
  }

  // 20,000 presence events through the prelude's emit_event, as the presence scripts emit them,
  // in one script: as fast as Redis takes them.
  std::string prelude;
  for (const auto& script : mi::redis::embedded_scripts()) {
    if (script.name == "prelude") prelude = std::string(script.text);
  }
  REQUIRE_FALSE(prelude.empty());
  const std::string flood = prelude + R"(
local agent = agent_json(KEYS[1], ARGV[1])
for i = 1, tonumber(ARGV[2]) do
  emit_event(KEYS[1], 'c1', ARGV[3] + i, (i % 2 == 1) and 'offline' or 'online',
      ',"agent":' .. agent .. ((i % 2 == 1) and ',"reason":"closed"' or ''), ARGV[4])
end
return 1)";
  const auto flooded = f.redis.command({"EVAL", flood, "1", "mi:test:{c:c1}:", "jared", "20000", "1800000000000", "10"});
  REQUIRE(flooded.integer == 1);
  // The stream holds about ten events, none of them chat; the chat log its last five messages.
  CHECK(f.redis.command({"XLEN", "mi:test:{c:c1}:events"}).integer < 200);
  const auto chat = f.admin("GET", "/v1/colonies/c1/chat");
  REQUIRE(json_array_size(chat.body, "/messages") == 5);
  CHECK(at(chat, "/messages/0/text") == std::optional<std::string>("m6"));
  CHECK(at(chat, "/messages/4/text") == std::optional<std::string>("m2"));
  // The history kept its own cap (the default 10,000, as this script's prelude says).
  CHECK(f.redis.command({"LLEN", "mi:test:{c:c1}:history:jared"}).integer == 10000);
}
