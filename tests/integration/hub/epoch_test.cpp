// Order across a failover (contract section 6): snapshots, resumes and events carry the colony's
// epoch; a resume needs the same epoch and a since the history reached; a history that moves
// backwards under connected watchers (Redis emptied, or a seq handed out again as after a
// failover that lost writes) closes them with 4009, and their next watch gets a snapshot of a new
// epoch. No watcher ever sees a seq twice or backwards within one epoch. Real hubs, real Redis.

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "protocol/json_writer.hpp"
#include "tests/support/hub_fixture.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/ws_client.hpp"

using namespace mi::test;

namespace {

const std::string kSeqKey = "mi:test:{c:c1}:seq";
const std::string kEpochKey = "mi:test:{c:c1}:epoch";
const std::string kEventsKey = "mi:test:{c:c1}:events";

std::string watch_since(const std::string& colony, const std::string& token, std::uint64_t since,
                        std::optional<std::string> epoch) {
  std::string request = "{\"type\":\"watch\",\"colony\":";
  mi::protocol::append_json_string(request, colony);
  request += ",\"token\":";
  mi::protocol::append_json_string(request, token);
  request += ",\"since\":" + std::to_string(since);
  if (epoch) {
    request += ",\"epoch\":";
    mi::protocol::append_json_string(request, *epoch);
  }
  return request + "}";
}

std::string chat(const std::string& text) { return R"({"type":"chat","text":")" + text + R"("})"; }

// What a watcher has of one colony: the epoch and the last seq it was given.
struct Followed {
  std::string epoch;
  std::uint64_t seq = 0;
};

// The next event; checks that it continues what the watcher follows (same epoch, the next seq).
mi::protocol::ServerMessage next_event(WsClient& watcher, Followed& followed) {
  auto event = watcher.expect("event");
  CHECK(event.epoch == followed.epoch);
  CHECK(event.seq == followed.seq + 1);
  followed.seq = event.seq;
  return event;
}

// Reads until the hub closes the socket: every event before the close must continue the history
// the watcher follows, never repeat a seq, never go backwards and never carry another epoch.
// Returns the close code (-1 if the socket stayed open) and the texts of the chats it saw.
int read_until_closed(WsClient& watcher, Followed& followed, std::vector<std::string>& chats,
                      std::chrono::milliseconds timeout = 10s) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    auto text = watcher.receive(left);
    if (!text) break;
    auto message = mi::protocol::parse_server_message(*text);
    REQUIRE(message);
    if (message->type != "event") continue;
    CHECK(message->epoch == followed.epoch);
    CHECK(message->seq == followed.seq + 1);
    followed.seq = message->seq;
    if (message->event == "chat" && message->text) chats.push_back(*message->text);
  }
  return watcher.closed() ? watcher.close_code() : -1;
}

Followed take_snapshot(WsClient& watcher, const std::string& admin_token) {
  watcher.send(watch_request("c1", admin_token));
  auto snapshot = watcher.expect("snapshot");
  return {snapshot.epoch, snapshot.seq};
}

// What a replica promoted after a failover that lost the colony's last writes holds: the same
// epoch, the seq and the stream as they were at `seq`.
void lose_writes_after(TestRedis& redis, std::uint64_t seq) {
  auto kept = redis.command({"XRANGE", kEventsKey, "-", std::to_string(seq) + "-0"});
  redis.command({"DEL", kEventsKey});
  for (const auto& entry : kept.elements) {
    REQUIRE(entry.elements.size() == 2);
    const auto& fields = entry.elements[1];
    REQUIRE(fields.elements.size() == 2);
    redis.command({"XADD", kEventsKey, entry.elements[0].str, fields.elements[0].str, fields.elements[1].str});
  }
  redis.command({"SET", kSeqKey, std::to_string(seq)});
}

}  // namespace

TEST_CASE("snapshots, resumes and events carry the colony's epoch; a resume needs the same epoch", "[epoch]") {
  HubFixture f;
  const auto& admin = f.hub.admin_token();

  // A colony with no event yet already has an epoch in its snapshot.
  WsClient empty(f.hub.port());
  empty.send(watch_request("c2", admin));
  auto first = empty.expect("snapshot");
  CHECK(first.seq == 0);
  CHECK_FALSE(first.epoch.empty());
  CHECK(f.redis.command({"GET", "mi:test:{c:c2}:epoch"}).str == first.epoch);

  WsClient agent(f.hub.port());
  REQUIRE(onboard(agent, f.create_invite("c1"), "jared").type == "welcome");
  WsClient watcher(f.hub.port());
  auto followed = take_snapshot(watcher, admin);
  CHECK(followed.seq == 1);
  CHECK(followed.epoch == f.redis.command({"GET", kEpochKey}).str);
  CHECK_FALSE(followed.epoch.empty());
  agent.send(chat("one"));
  CHECK(next_event(watcher, followed).text == std::optional<std::string>("one"));
  agent.send(chat("two"));
  next_event(watcher, followed);
  REQUIRE(followed.seq == 3);

  SECTION("the same epoch and a since the history reached: resume, in that epoch") {
    WsClient resumed(f.hub.port());
    resumed.send(watch_since("c1", admin, 1, followed.epoch));
    auto resume = resumed.expect("resume");
    CHECK(resume.seq == 1);
    CHECK(resume.epoch == followed.epoch);
    Followed replay{followed.epoch, 1};
    CHECK(next_event(resumed, replay).text == std::optional<std::string>("one"));
    CHECK(next_event(resumed, replay).text == std::optional<std::string>("two"));
  }
  SECTION("another epoch: a fresh snapshot, of the colony's epoch") {
    WsClient other(f.hub.port());
    other.send(watch_since("c1", admin, 1, "1700000000000000"));
    auto snapshot = other.expect("snapshot");
    CHECK(snapshot.seq == 3);
    CHECK(snapshot.epoch == followed.epoch);
  }
  SECTION("a since beyond the colony's seq, in its epoch: a fresh snapshot") {
    WsClient ahead(f.hub.port());
    ahead.send(watch_since("c1", admin, 4, followed.epoch));
    auto snapshot = ahead.expect("snapshot");
    CHECK(snapshot.seq == 3);
    CHECK(snapshot.epoch == followed.epoch);
    // And the events after it come in that epoch.
    Followed fresh{snapshot.epoch, snapshot.seq};
    agent.send(chat("three"));
    CHECK(next_event(ahead, fresh).text == std::optional<std::string>("three"));
  }
  SECTION("since without an epoch (a client from before epochs): resumed as before") {
    WsClient old_client(f.hub.port());
    old_client.send(watch_since("c1", admin, 2, std::nullopt));
    auto resume = old_client.expect("resume");
    CHECK(resume.seq == 2);
    CHECK(resume.epoch == followed.epoch);
  }
}

TEST_CASE("Redis emptied under connected watchers of two hubs: the new epoch closes them with 4009, the next "
          "watch gets a snapshot of it",
          "[epoch][flush]") {
  HubFixture f;
  HubProcess second(hub_options(f.redis, {}));
  const auto& admin = f.hub.admin_token();
  WsClient agent(f.hub.port());
  REQUIRE(onboard(agent, f.create_invite("c1"), "jared").type == "welcome");
  agent.send(chat("before"));

  WsClient here(f.hub.port()), there(second.port());
  auto followed_here = take_snapshot(here, admin);
  auto followed_there = take_snapshot(there, admin);
  // Both in step at the chat (seq 2), whichever way the snapshot and the chat crossed.
  while (followed_here.seq < 2) next_event(here, followed_here);
  while (followed_there.seq < 2) next_event(there, followed_there);
  const auto old_epoch = followed_here.epoch;
  REQUIRE(followed_there.epoch == old_epoch);

  // Redis restarted empty: the colony's seq starts again at 1, under an epoch made anew.
  f.redis.command({"FLUSHALL"});
  WsClient newcomer(f.hub.port());
  REQUIRE(onboard(newcomer, f.create_invite("c1"), "nora").type == "welcome");

  std::vector<std::string> chats;
  CHECK(read_until_closed(here, followed_here, chats) == 4009);
  CHECK(read_until_closed(there, followed_there, chats) == 4009);
  CHECK(chats.empty());

  const auto new_epoch = f.redis.command({"GET", kEpochKey}).str;
  REQUIRE_FALSE(new_epoch.empty());
  CHECK(new_epoch != old_epoch);
  for (auto port : {f.hub.port(), second.port()}) {
    WsClient back(port);
    back.send(watch_since("c1", admin, followed_here.seq, old_epoch));
    auto snapshot = back.expect("snapshot");
    CHECK(snapshot.epoch == new_epoch);
    CHECK(snapshot.seq == 1);
    REQUIRE(snapshot.agents.size() == 1);
    CHECK(snapshot.agents[0].id == "nora");
  }
}

TEST_CASE("a seq handed out again under the same epoch (a failover that lost writes): the hubs renew the epoch "
          "once and close their watchers with 4009",
          "[epoch][backwards]") {
  HubFixture f;
  HubProcess second(hub_options(f.redis, {}));
  const auto& admin = f.hub.admin_token();
  WsClient agent(f.hub.port());
  REQUIRE(onboard(agent, f.create_invite("c1"), "jared").type == "welcome");

  WsClient here(f.hub.port()), there(second.port());
  auto followed_here = take_snapshot(here, admin);
  auto followed_there = take_snapshot(there, admin);
  for (const char* text : {"two", "three", "four"}) agent.send(chat(text));
  while (followed_here.seq < 4) next_event(here, followed_here);
  while (followed_there.seq < 4) next_event(there, followed_there);
  const auto old_epoch = followed_here.epoch;

  // The writes after seq 2 are lost; the colony goes on from there, in the same epoch.
  lose_writes_after(f.redis, 2);
  REQUIRE(f.redis.command({"GET", kEpochKey}).str == old_epoch);
  agent.send(chat("another three"));

  std::vector<std::string> chats;
  CHECK(read_until_closed(here, followed_here, chats) == 4009);
  CHECK(read_until_closed(there, followed_there, chats) == 4009);
  CHECK(chats.empty());  // "another three" under seq 3 reached nobody who had seen seq 3

  const auto new_epoch = f.redis.command({"GET", kEpochKey}).str;
  CHECK(new_epoch != old_epoch);
  // Both hubs found it; the renewal happened once, so both watchers meet in one epoch.
  WsClient back_here(f.hub.port()), back_there(second.port());
  back_here.send(watch_since("c1", admin, 4, old_epoch));
  back_there.send(watch_since("c1", admin, 4, old_epoch));
  auto snapshot_here = back_here.expect("snapshot");
  auto snapshot_there = back_there.expect("snapshot");
  CHECK(snapshot_here.epoch == new_epoch);
  CHECK(snapshot_there.epoch == new_epoch);
  CHECK(snapshot_here.seq == 3);
  CHECK(snapshot_there.seq == 3);

  // The new epoch's events flow on both hubs.
  agent.send(chat("five"));
  Followed renewed_here{new_epoch, 3}, renewed_there{new_epoch, 3};
  CHECK(next_event(back_here, renewed_here).text == std::optional<std::string>("five"));
  CHECK(next_event(back_there, renewed_there).text == std::optional<std::string>("five"));
  auto metrics = http_request(f.hub.port(), "GET", "/metrics");
  CHECK(metrics.body.find("mi_history_moved_backwards_total 1") != std::string::npos);
}

TEST_CASE("a watcher catching up after the subscription came back finds the stream below what it had: 4009 "
          "and a new epoch",
          "[epoch][backwards][catch-up]") {
  HubFixture f;
  const auto& admin = f.hub.admin_token();
  WsClient agent(f.hub.port());
  REQUIRE(onboard(agent, f.create_invite("c1"), "jared").type == "welcome");
  WsClient watcher(f.hub.port());
  auto followed = take_snapshot(watcher, admin);
  for (const char* text : {"two", "three"}) agent.send(chat(text));
  while (followed.seq < 3) next_event(watcher, followed);
  const auto old_epoch = followed.epoch;

  // No new event at all: the hub learns it from the stream when its subscription comes back.
  lose_writes_after(f.redis, 1);
  f.redis.command({"CLIENT", "KILL", "TYPE", "pubsub"});

  std::vector<std::string> chats;
  CHECK(read_until_closed(watcher, followed, chats) == 4009);
  CHECK(chats.empty());
  WsClient back(f.hub.port());
  back.send(watch_since("c1", admin, 3, old_epoch));
  auto snapshot = back.expect("snapshot");
  CHECK(snapshot.seq == 1);
  CHECK(snapshot.epoch != old_epoch);
  CHECK(snapshot.epoch == f.redis.command({"GET", kEpochKey}).str);
}

TEST_CASE("a history that lost writes and grew past a watcher while the hub was not listening: the event at the "
          "watcher's seq is another, 4009 and a new epoch",
          "[epoch][backwards][catch-up]") {
  HubFixture f;
  const auto& admin = f.hub.admin_token();
  WsClient agent(f.hub.port());
  REQUIRE(onboard(agent, f.create_invite("c1"), "jared").type == "welcome");
  WsClient watcher(f.hub.port());
  auto followed = take_snapshot(watcher, admin);
  for (const char* text : {"two", "three"}) agent.send(chat(text));
  while (followed.seq < 3) next_event(watcher, followed);
  const auto old_epoch = followed.epoch;

  // The writes after seq 1 are lost, and other hubs (here: by hand, unheard) write seqs 2 and 3
  // again, with other events, before this hub listens again.
  auto lost = f.redis.command({"XRANGE", kEventsKey, "2-0", "3-0"});
  REQUIRE(lost.elements.size() == 2);
  lose_writes_after(f.redis, 1);
  for (const auto& entry : lost.elements) {
    auto json = entry.elements[1].elements[1].str;
    auto text_at = json.find(R"("text":")");
    REQUIRE(text_at != std::string::npos);
    json.insert(text_at + 8, "other ");
    f.redis.command({"XADD", kEventsKey, entry.elements[0].str, "e", json});
  }
  f.redis.command({"SET", kSeqKey, "3"});
  f.redis.command({"CLIENT", "KILL", "TYPE", "pubsub"});

  std::vector<std::string> chats;
  CHECK(read_until_closed(watcher, followed, chats) == 4009);
  CHECK(chats.empty());
  WsClient back(f.hub.port());
  back.send(watch_since("c1", admin, 3, old_epoch));
  auto snapshot = back.expect("snapshot");
  CHECK(snapshot.seq == 3);
  CHECK(snapshot.epoch != old_epoch);
  CHECK(snapshot.epoch == f.redis.command({"GET", kEpochKey}).str);
}
