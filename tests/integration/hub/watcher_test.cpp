// Watchers (docs/protocol.md section 3, watchers): snapshot, every event once and in order, resume,
// slow watchers, tokens. Real hub, real Redis.

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdint>
#include <set>
#include <thread>

#include "tests/support/eventually.hpp"
#include "tests/support/agent_swarm.hpp"
#include "tests/support/hub_fixture.hpp"
#include "tests/support/json_pointer.hpp"
#include "tests/support/ws_client.hpp"

using namespace mi::test;

namespace {

// A watch request carrying the id "w" (its reply carries it back) and `since` if given.
std::string identified_watch_request(const std::string& colony, const std::string& token, std::optional<std::uint64_t> since = {}) {
  std::string request = R"({"type":"watch","id":"w","colony":")" + colony + R"(","token":")" + token + "\"";
  if (since) request += ",\"since\":" + std::to_string(*since);
  return request + "}";
}

// Reads events until one of `kind` arrives; fails on a gap or a duplicate of seq.
mi::protocol::ServerMessage next_event(WsClient& watcher, std::uint64_t& last_seq, std::chrono::milliseconds timeout = 5s) {
  auto event = watcher.expect("event", timeout);
  CHECK(event.seq == last_seq + 1);
  last_seq = event.seq;
  return event;
}

std::string say_hello(const std::string& token) { return R"({"type":"hello","token":")" + token + R"("})"; }

// The time as the hub reads it for expiries: unix milliseconds.
std::int64_t wall_clock_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

TEST_CASE("a watcher gets a snapshot, then join, offline, online, clone, update and chat in seq order", "[watch]") {
  HubFixture f({"--status-min-interval", "0.2"});
  WsClient early(f.hub.port());
  REQUIRE(onboard(early, f.create_invite("c1"), "early").type == "welcome");

  WsClient watcher(f.hub.port());
  watcher.send(identified_watch_request("c1", f.hub.admin_token()));
  auto snapshot = watcher.expect("snapshot");
  CHECK(snapshot.id_json == std::optional<std::string>("\"w\""));
  CHECK(snapshot.colony == "c1");
  CHECK(snapshot.seq == 1);
  REQUIRE(snapshot.agents.size() == 1);
  CHECK(snapshot.agents[0].id == "early");
  CHECK(snapshot.agents[0].status == "online");
  std::uint64_t seq = snapshot.seq;

  std::string token;
  {
    WsClient jared(f.hub.port());
    auto code = f.create_invite("c1");
    auto welcome = onboard(jared, code, "jared");
    token = welcome.token.value();
    auto join = next_event(watcher, seq);
    CHECK(join.event == "join");
    CHECK(join.invite == std::optional<std::string>(code));
    CHECK(join.agent->id == "jared");
    CHECK(join.agent->status == "online");
    CHECK(join.agent->kind == "remote");
    CHECK(join.ts > 0);
    jared.close();
  }
  auto offline = next_event(watcher, seq);
  CHECK(offline.event == "offline");
  CHECK(offline.reason == std::optional<std::string>("closed"));
  CHECK(offline.agent->status == "offline");
  CHECK(offline.agent->last_seen.has_value());

  WsClient back(f.hub.port());
  back.send(say_hello(token));
  back.expect("welcome");
  auto online = next_event(watcher, seq);
  CHECK(online.event == "online");
  CHECK(online.agent->id == "jared");

  back.send(R"({"type":"clone","id":9})");
  auto cloned = back.expect("cloned");
  CHECK(cloned.id_json == std::optional<std::string>("9"));
  CHECK(cloned.agent->id == "jared-2");
  CHECK(cloned.agent->kind == "hosted");
  CHECK(cloned.agent->status == "offline");
  CHECK(cloned.agent->clone_of == std::optional<std::string>("jared"));
  CHECK(cloned.token.has_value());
  auto clone = next_event(watcher, seq);
  CHECK(clone.event == "clone");
  CHECK(clone.source == std::optional<std::string>("jared"));
  CHECK(clone.agent->id == "jared-2");

  back.send(R"({"type":"status","meta":{"task":"reading","progress":1}})");
  auto update = next_event(watcher, seq);
  CHECK(update.event == "update");
  CHECK(update.agent->meta_json == R"({"task":"reading","progress":1})");
  CHECK(update.meta_json == std::optional<std::string>(R"({"task":"reading","progress":1})"));

  back.send(R"({"type":"chat","text":"hello, office"})");
  auto chat = next_event(watcher, seq);
  CHECK(chat.event == "chat");
  CHECK(chat.from == std::optional<std::string>("jared"));
  CHECK(chat.text == std::optional<std::string>("hello, office"));

  // The clone comes online when a worker says hello with the clone's token.
  WsClient worker(f.hub.port());
  worker.send(say_hello(cloned.token.value()));
  CHECK(worker.expect("welcome").agent->id == "jared-2");
  auto clone_online = next_event(watcher, seq);
  CHECK(clone_online.event == "online");
  CHECK(clone_online.agent->id == "jared-2");

  // The HTTP list agrees with what the watcher was told.
  auto listed = f.admin("GET", "/v1/colonies/c1/agents");
  CHECK(json_at(listed.body, "/seq") == std::optional<std::string>(std::to_string(seq)));
  CHECK(json_array_size(listed.body, "/agents") == 3);
  CHECK(json_at(listed.body, "/agents/1/meta/task") == std::optional<std::string>("reading"));

  // A second watcher's snapshot is the same state.
  WsClient second(f.hub.port());
  second.send(identified_watch_request("c1", f.hub.admin_token()));
  auto later = second.expect("snapshot");
  CHECK(later.seq == seq);
  CHECK(later.agents.size() == 3);
}

TEST_CASE("chat reaches the colony's agents as well as its watchers; other colonies hear nothing", "[watch][chat]") {
  HubFixture f;
  WsClient a(f.hub.port()), b(f.hub.port()), outsider(f.hub.port());
  REQUIRE(onboard(a, f.create_invite("c1"), "a").type == "welcome");
  REQUIRE(onboard(b, f.create_invite("c1"), "b").type == "welcome");
  REQUIRE(onboard(outsider, f.create_invite("c2"), "x").type == "welcome");
  a.send(R"({"type":"chat","text":"hi b"})");
  auto heard = b.expect("event");
  CHECK(heard.event == "chat");
  CHECK(heard.text == std::optional<std::string>("hi b"));
  auto echo = a.expect("event");
  CHECK(echo.from == std::optional<std::string>("a"));
  // Nothing of c1 reaches c2: the next thing the outsider hears is a chat of its own colony.
  outsider.send(R"({"type":"chat","text":"hi c2"})");
  auto own = outsider.next_message();
  CHECK(own.event == "chat");
  CHECK(own.text == std::optional<std::string>("hi c2"));
  // Agents get only chat: a join in c1 is not sent to them. The join comes before a chat sent
  // after it, in the colony's one order, so the chat is the next thing b hears.
  WsClient c(f.hub.port());
  REQUIRE(onboard(c, f.create_invite("c1"), "c").type == "welcome");
  a.send(R"({"type":"chat","text":"after c joined"})");
  auto after_join = b.next_message();
  CHECK(after_join.event == "chat");
  CHECK(after_join.text == std::optional<std::string>("after c joined"));
  a.send(R"({"type":"chat","text":""})");
  CHECK(a.expect("error").code == "bad_request");
}

TEST_CASE("status updates are coalesced: at most one per interval, the latest meta wins", "[watch][status]") {
  HubFixture f({"--status-min-interval", "1"});
  WsClient agent(f.hub.port());
  REQUIRE(onboard(agent, f.create_invite("c1"), "busy").type == "welcome");
  WsClient watcher(f.hub.port());
  watcher.send(identified_watch_request("c1", f.hub.admin_token()));
  std::uint64_t seq = watcher.expect("snapshot").seq;
  for (int i = 0; i < 10; ++i) agent.send(R"({"type":"status","meta":{"n":)" + std::to_string(i) + "}}");
  auto first = next_event(watcher, seq);
  CHECK(first.event == "update");
  auto second = next_event(watcher, seq, 3s);
  CHECK(second.event == "update");
  CHECK(second.agent->meta_json == R"({"n":9})");
  CHECK(second.ts - first.ts >= 900);
  // Two updates for the ten, no more: the next event is a chat sent now.
  agent.send(R"({"type":"chat","text":"done"})");
  auto next = watcher.next_message();
  CHECK(next.event == "chat");
  CHECK(next.seq == seq + 1);
}

TEST_CASE("only a remote agent may clone; clone names count up and are never reused", "[clone]") {
  HubFixture f;
  WsClient jared(f.hub.port());
  REQUIRE(onboard(jared, f.create_invite("c1"), "jared").type == "welcome");
  std::vector<std::string> names;
  std::string clone_token;
  for (int i = 0; i < 3; ++i) {
    jared.send(R"({"type":"clone"})");
    auto cloned = jared.expect("cloned");
    names.push_back(cloned.agent->id);
    clone_token = cloned.token.value();
  }
  CHECK(names == std::vector<std::string>{"jared-2", "jared-3", "jared-4"});
  // A hosted clone cannot clone.
  WsClient hosted(f.hub.port());
  hosted.send(say_hello(clone_token));
  hosted.expect("welcome");
  hosted.send(R"({"type":"clone","id":1})");
  auto refused = hosted.expect("error");
  CHECK(refused.code == "not_allowed");
  CHECK(refused.id_json == std::optional<std::string>("1"));
  // An agent onboarded as jared-2's name base continues the same numbering.
  WsClient other(f.hub.port());
  REQUIRE(onboard(other, f.create_invite("c1"), "jared").agent->id == "jared-5");
  other.send(R"({"type":"clone"})");
  CHECK(other.expect("cloned").agent->id == "jared-6");
  // Spawn requests for provisioners.
  CHECK(f.redis.command({"XLEN", "mi:test:{c:c1}:spawn"}).integer == 4);
  CHECK(f.redis.command({"XLEN", "mi:test:spawn-requests"}).integer == 4);
  // A provisioner gets credentials for a clone through the admin API.
  auto issued = f.admin("POST", "/v1/colonies/c1/agents/jared-3/token");
  REQUIRE(issued.status == 200);
  WsClient worker(f.hub.port());
  worker.send(say_hello(json_at(issued.body, "/token").value()));
  CHECK(worker.expect("welcome").agent->id == "jared-3");
  CHECK(f.admin("POST", "/v1/colonies/c1/agents/nobody/token").status == 404);
}

TEST_CASE("concurrent clone requests from several sockets get distinct numbers", "[clone][concurrency]") {
  HubFixture f;
  std::string token;
  {
    WsClient first(f.hub.port());
    token = onboard(first, f.create_invite("c1"), "jared").token.value();
  }
  constexpr int kSockets = 8;
  std::vector<std::unique_ptr<WsClient>> sockets;
  for (int i = 0; i < kSockets; ++i) {
    sockets.push_back(std::make_unique<WsClient>(f.hub.port()));
    sockets.back()->send(say_hello(token));
    sockets.back()->expect("welcome");
  }
  for (auto& socket : sockets) socket->send(R"({"type":"clone"})");
  std::set<std::string> names;
  for (auto& socket : sockets) names.insert(socket->expect("cloned").agent->id);
  std::set<std::string> expected;
  for (int n = 2; n < 2 + kSockets; ++n) expected.insert("jared-" + std::to_string(n));
  CHECK(names == expected);
}

TEST_CASE("events that happen while a snapshot is taken come after it, none twice, none lost", "[watch][ordering]") {
  HubFixture f;
  std::vector<std::string> codes;
  for (int i = 0; i < 30; ++i) codes.push_back(f.create_invite("c1"));
  std::atomic<bool> done{false};
  std::thread churn([&] {
    for (int i = 0; i < 30; ++i) {
      WsClient agent(f.hub.port());
      onboard(agent, codes[i], "churn");
      agent.close();
    }
    done = true;
  });
  // Watchers come and go while agents join and leave: each sees a consistent stream.
  std::vector<std::uint64_t> final_seqs;
  while (!done) {
    WsClient watcher(f.hub.port());
    watcher.send(identified_watch_request("c1", f.hub.admin_token()));
    auto snapshot = watcher.expect("snapshot");
    std::uint64_t seq = snapshot.seq;
    for (int i = 0; i < 5 && !done; ++i) {
      auto text = watcher.receive(500ms);
      if (!text) continue;
      auto event = mi::protocol::parse_server_message(*text);
      REQUIRE(event);
      REQUIRE(event->type == "event");
      CHECK(event->seq == seq + 1);
      seq = event->seq;
    }
  }
  churn.join();
  CHECK(eventually([&] { return f.redis.command({"GET", "mi:test:{c:c1}:seq"}).str == "60"; }, 2s));
}

TEST_CASE("since resumes from the stream; too old a since gets a snapshot", "[watch][resume]") {
  HubFixture f({"--event-stream-length", "10"});
  std::uint64_t seq = 0;
  std::string token;
  {
    WsClient agent(f.hub.port());
    token = onboard(agent, f.create_invite("c1"), "jared").token.value();
  }
  WsClient watcher(f.hub.port());
  watcher.send(identified_watch_request("c1", f.hub.admin_token()));
  seq = watcher.expect("snapshot").seq;
  CHECK(seq == 2);  // join, offline
  watcher.drop();

  // Two more events while the watcher is away.
  {
    WsClient agent(f.hub.port());
    agent.send(say_hello(token));
    agent.expect("welcome");
  }
  WsClient resumed(f.hub.port());
  resumed.send(identified_watch_request("c1", f.hub.admin_token(), seq));
  auto resume = resumed.expect("resume");
  CHECK(resume.seq == 2);
  auto online = next_event(resumed, seq);
  CHECK(online.event == "online");
  auto offline = next_event(resumed, seq);
  CHECK(offline.event == "offline");

  // since == the current seq: resume with nothing to replay.
  WsClient current(f.hub.port());
  current.send(identified_watch_request("c1", f.hub.admin_token(), seq));
  CHECK(current.expect("resume").seq == seq);

  // Push the stream past its length: a since from the start must fall back to a snapshot.
  for (int i = 0; i < 40; ++i) {
    WsClient agent(f.hub.port());
    agent.send(say_hello(token));
    agent.expect("welcome");
  }
  eventually([&] { return f.redis.command({"HGET", "mi:test:{c:c1}:agent:jared", "status"}).str == "offline"; }, 2s);
  auto last_seq = std::stoull(f.redis.command({"GET", "mi:test:{c:c1}:seq"}).str);
  REQUIRE(last_seq > 20);
  WsClient stale(f.hub.port());
  stale.send(identified_watch_request("c1", f.hub.admin_token(), 1));
  auto fresh = stale.expect("snapshot");
  CHECK(fresh.seq == last_seq);
  // A since from the future (say, after the store was reset) also gets a snapshot.
  WsClient future(f.hub.port());
  future.send(identified_watch_request("c1", f.hub.admin_token(), 1000));
  CHECK(future.expect("snapshot").seq == last_seq);
}

TEST_CASE("watch tokens: colony-scoped, expiring; bad tokens are unauthorized", "[watch][tokens]") {
  HubFixture f;
  auto issued = f.admin("POST", "/v1/colonies/c1/watch-token");
  REQUIRE(issued.status == 200);
  auto token = json_at(issued.body, "/token").value();
  CHECK(std::stoll(json_at(issued.body, "/expires_at").value()) > 0);
  CHECK(http_request(f.hub.port(), "POST", "/v1/colonies/c1/watch-token").status == 401);

  WsClient ok(f.hub.port());
  ok.send(identified_watch_request("c1", token));
  CHECK(ok.expect("snapshot").colony == "c1");

  WsClient other_colony(f.hub.port());
  other_colony.send(identified_watch_request("c2", token));
  CHECK(other_colony.expect("error").code == "unauthorized");
  other_colony.send(identified_watch_request("c2", "nonsense"));
  CHECK(other_colony.expect("error").code == "unauthorized");
  // The socket stayed open: the admin token works.
  other_colony.send(identified_watch_request("c2", f.hub.admin_token()));
  CHECK(other_colony.expect("snapshot").colony == "c2");

  // Expiry to the millisecond is a unit test of ClaimSigner. Here: a token issued with the
  // shortest lifetime, by another hub of the system, is refused once its expires_at has passed,
  // which the clock reaches within that millisecond.
  HubProcess short_lived(hub_options(f.redis, {"--watch-token-ttl", "0.001"}));
  // Both hubs share the key: the first hub's token is good on this one, so what follows is
  // refused for its expiry alone.
  WsClient across(short_lived.port());
  across.send(identified_watch_request("c1", token));
  CHECK(across.expect("snapshot").colony == "c1");
  auto brief = http_request(short_lived.port(), "POST", "/v1/colonies/c1/watch-token", "",
                            {{"authorization", "Bearer " + short_lived.admin_token()}});
  REQUIRE(brief.status == 200);
  auto expires_at = std::stoll(json_at(brief.body, "/expires_at").value());
  while (wall_clock_ms() < expires_at) std::this_thread::yield();
  WsClient expired(f.hub.port());
  expired.send(identified_watch_request("c1", json_at(brief.body, "/token").value()));
  CHECK(expired.expect("error").code == "unauthorized");
}

TEST_CASE("a watcher that does not read is closed with 4009; other watchers are unaffected", "[watch][slow]") {
  HubFixture f({"--watcher-queue-bytes", "20000", "--agent-queue-bytes", "100000000", "--chat-per-second", "10000",
                "--chat-burst", "10000"});
  WsClient agent(f.hub.port());
  REQUIRE(onboard(agent, f.create_invite("c1"), "talker").type == "welcome");
  WsClient slow(f.hub.port()), healthy(f.hub.port());
  slow.send(identified_watch_request("c1", f.hub.admin_token()));
  healthy.send(identified_watch_request("c1", f.hub.admin_token()));
  slow.expect("snapshot");
  std::uint64_t seq = healthy.expect("snapshot").seq;
  // Enough large chat lines to fill the socket buffers and then the queue of a watcher that
  // never reads; the healthy watcher reads them all.
  std::string line(3000, 'x');
  int sent = 0;
  for (int i = 0; i < 3000; ++i) {
    agent.send(R"({"type":"chat","text":")" + line + R"("})");
    ++sent;
    next_event(healthy, seq);
  }
  CHECK(healthy.ok());
  // The slow one, reading now, finds the close with 4009 after what it was sent.
  CHECK(slow.wait_closed(10s) == 4009);
  auto metrics = http_request(f.hub.port(), "GET", "/metrics");
  CHECK(metrics.body.find("mi_ws_slow_closes_total 1") != std::string::npos);
}

namespace {
std::uint64_t evalsha_calls(TestRedis& redis) {
  auto info = redis.command({"INFO", "commandstats"}).str;
  auto at = info.find("cmdstat_evalsha:calls=");
  return at == std::string::npos ? 0 : std::stoull(info.substr(at + 22));
}
}  // namespace

TEST_CASE("a storm of watchers shares snapshot reads, and each still gets every later event", "[watch][storm]") {
  HubFixture f;
  std::vector<std::string> codes;
  for (int i = 0; i < 300; ++i) codes.push_back(f.create_invite("big"));
  AgentSwarm swarm(f.hub.port(), codes, 10s);
  REQUIRE(swarm.wait_welcomed(60s) == 300);

  constexpr int kWatchers = 60;
  std::vector<std::unique_ptr<WsClient>> watchers;
  for (int i = 0; i < kWatchers; ++i) watchers.push_back(std::make_unique<WsClient>(f.hub.port()));
  auto scripts_before = evalsha_calls(f.redis);
  // All the watch requests are out before any snapshot is read: the hub has them at once.
  for (auto& watcher : watchers) REQUIRE(watcher->send(identified_watch_request("big", f.hub.admin_token())));
  std::vector<std::uint64_t> seqs;
  for (auto& watcher : watchers) {
    auto snapshot = watcher->expect("snapshot", 20s);
    CHECK(snapshot.agents.size() == 300);
    seqs.push_back(snapshot.seq);
  }
  // Each watch is one snapshot script unless reads are shared (the hub's liveness beat may add one).
  CHECK(evalsha_calls(f.redis) - scripts_before < kWatchers / 4);

  WsClient late(f.hub.port());
  onboard(late, f.create_invite("big"), "late");
  for (int i = 0; i < kWatchers; ++i) {
    auto event = watchers[i]->expect("event");
    CHECK(event.seq == seqs[i] + 1);
  }
}

TEST_CASE("a burst of events reaches every watcher whole, in seq order, none twice", "[watch][burst]") {
  // Hundreds of agents join at once: the shard delivers the events that arrive together in one
  // write per watcher, which must not lose, reorder or repeat any of them.
  HubFixture f;
  constexpr int kAgents = 300;
  constexpr int kWatchers = 4;
  std::vector<std::string> codes;
  for (int i = 0; i < kAgents; ++i) codes.push_back(f.create_invite("burst"));
  std::vector<std::unique_ptr<WsClient>> watchers;
  std::vector<std::uint64_t> seqs;
  for (int i = 0; i < kWatchers; ++i) {
    watchers.push_back(std::make_unique<WsClient>(f.hub.port()));
    REQUIRE(watchers.back()->send(identified_watch_request("burst", f.hub.admin_token())));
    seqs.push_back(watchers.back()->expect("snapshot").seq);
  }

  AgentSwarm swarm(f.hub.port(), codes, 10s);
  REQUIRE(swarm.wait_welcomed(60s) == kAgents);
  std::vector<std::vector<std::string>> joined(kWatchers);
  for (int i = 0; i < kWatchers; ++i) {
    while (joined[i].size() < kAgents) {
      auto event = next_event(*watchers[i], seqs[i], 10s);
      if (event.event == "join") joined[i].push_back(event.agent->id);
    }
    CHECK(std::set<std::string>(joined[i].begin(), joined[i].end()).size() == kAgents);
    CHECK(joined[i] == joined[0]);  // every watcher saw the same order
  }
}
