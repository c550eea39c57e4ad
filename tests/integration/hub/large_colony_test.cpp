// Large colonies (docs/protocol.md section 8): a snapshot in parts, the paged agents list, and
// both describing exactly the colony at one seq while it changes. Real hub, real Redis; the part
// size and page size are small so that a few hundred agents take many parts.

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "tests/support/agent_swarm.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/hub_fixture.hpp"
#include "tests/support/json_pointer.hpp"
#include "tests/support/ws_client.hpp"

using namespace mi::test;

namespace {

// What an event changes of an agent: its status and meta. (last_seen and sockets move without
// events, so they are not compared.)
struct AgentFacts {
  std::string id;
  std::string status;
  std::string meta;
  bool operator==(const AgentFacts&) const = default;
};

AgentFacts facts_of(const mi::protocol::Agent& agent) { return {agent.id, agent.status, agent.meta_json}; }

// A colony as a watcher that saw every event from the start knows it at each seq.
class EventLog {
 public:
  void add(mi::protocol::ServerMessage event) {
    std::lock_guard lock(mutex_);
    events_.push_back(std::move(event));
  }
  std::uint64_t last_seq() const {
    std::lock_guard lock(mutex_);
    return events_.empty() ? 0 : events_.back().seq;
  }
  // The agents, in join order, after applying every event up to `seq`.
  std::vector<AgentFacts> state_at(std::uint64_t seq) const {
    std::lock_guard lock(mutex_);
    std::vector<AgentFacts> agents;
    for (const auto& event : events_) {
      if (event.seq > seq) break;
      if (!event.agent) continue;
      auto found = std::find_if(agents.begin(), agents.end(), [&](const AgentFacts& a) { return a.id == event.agent->id; });
      if (event.event == "remove") {
        if (found != agents.end()) agents.erase(found);
      } else if (found == agents.end()) {
        agents.push_back(facts_of(*event.agent));
      } else {
        *found = facts_of(*event.agent);
      }
    }
    return agents;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<mi::protocol::ServerMessage> events_;
};

struct SnapshotRead {
  std::uint64_t seq = 0;
  std::uint64_t parts = 0;
  std::vector<std::size_t> part_sizes;
  std::vector<AgentFacts> agents;
};

// A whole snapshot: the first message and its parts, checked to be numbered and of one seq.
SnapshotRead read_snapshot(WsClient& watcher) {
  SnapshotRead read;
  auto first = watcher.expect("snapshot", 20s);
  read.seq = first.seq;
  read.parts = first.parts;
  read.part_sizes.push_back(first.agents.size());
  for (const auto& agent : first.agents) read.agents.push_back(facts_of(agent));
  for (std::uint64_t part = 2; part <= first.parts; ++part) {
    auto next = watcher.next_message(20s);
    REQUIRE(next.type == "snapshot_part");
    CHECK(next.colony == first.colony);
    CHECK(next.seq == first.seq);
    CHECK(next.part == part);
    read.part_sizes.push_back(next.agents.size());
    for (const auto& agent : next.agents) read.agents.push_back(facts_of(agent));
  }
  return read;
}

struct ListingRead {
  std::uint64_t seq = 0;
  std::size_t pages = 0;
  std::vector<AgentFacts> agents;
};

ListingRead read_listing(const HubFixture& f, const std::string& colony, std::size_t limit) {
  ListingRead read;
  std::string cursor;
  do {
    auto reply = f.admin("GET", "/v1/colonies/" + colony + "/agents?limit=" + std::to_string(limit) +
                                    (cursor.empty() ? "" : "&cursor=" + cursor));
    REQUIRE(reply.status == 200);
    auto seq = std::stoull(json_at(reply.body, "/seq").value());
    if (read.pages == 0) read.seq = seq;
    CHECK(seq == read.seq);
    auto count = json_array_size(reply.body, "/agents");
    CHECK(count <= static_cast<long>(limit));
    for (long i = 0; i < count; ++i) {
      auto agent = mi::protocol::parse_agent(json_at(reply.body, "/agents/" + std::to_string(i)).value());
      REQUIRE(agent);
      read.agents.push_back(facts_of(*agent));
    }
    ++read.pages;
    auto next = json_at(reply.body, "/next_cursor");
    REQUIRE(next);
    cursor = *next == "null" ? "" : *next;
  } while (!cursor.empty());
  return read;
}

// Stops and joins a thread when the test leaves its scope, a failed REQUIRE included.
class StoppedOnExit {
 public:
  StoppedOnExit(std::atomic<bool>& stop, std::thread& thread) : stop_(stop), thread_(thread) {}
  ~StoppedOnExit() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }

 private:
  std::atomic<bool>& stop_;
  std::thread& thread_;
};

std::string hello(const std::string& token) { return R"({"type":"hello","token":")" + token + R"("})"; }

}  // namespace

TEST_CASE("a snapshot over --snapshot-part-agents comes in parts, one that fits says parts 1", "[large_colony]") {
  HubFixture f({"--snapshot-part-agents", "3"});
  std::vector<std::unique_ptr<WsClient>> agents;
  for (int i = 0; i < 7; ++i) {
    agents.push_back(std::make_unique<WsClient>(f.hub.port()));
    REQUIRE(onboard(*agents.back(), f.create_invite("big"), "a" + std::to_string(i)).type == "welcome");
  }
  WsClient watcher(f.hub.port());
  watcher.send(watch_request("big", f.hub.admin_token()));
  auto snapshot = read_snapshot(watcher);
  CHECK(snapshot.seq == 7);
  CHECK(snapshot.parts == 3);
  CHECK(snapshot.part_sizes == std::vector<std::size_t>{3, 3, 1});
  std::vector<std::string> ids;
  for (const auto& agent : snapshot.agents) ids.push_back(agent.id);
  CHECK(ids == std::vector<std::string>{"a0", "a1", "a2", "a3", "a4", "a5", "a6"});
  // Events follow the last part.
  agents[0]->close();
  auto offline = watcher.expect("event");
  CHECK(offline.seq == 8);
  CHECK(offline.event == "offline");

  WsClient small(f.hub.port());
  REQUIRE(onboard(small, f.create_invite("small"), "only").type == "welcome");
  WsClient small_watcher(f.hub.port());
  small_watcher.send(watch_request("small", f.hub.admin_token()));
  auto text = small_watcher.receive();
  REQUIRE(text);
  CHECK(text->find(R"("type":"snapshot")") != std::string::npos);
  CHECK(text->find(R"("parts":1)") != std::string::npos);
}

TEST_CASE("the agents list pages by cursor, every page at the first page's seq", "[large_colony]") {
  HubFixture f;
  std::vector<std::unique_ptr<WsClient>> agents;
  for (int i = 0; i < 7; ++i) {
    agents.push_back(std::make_unique<WsClient>(f.hub.port()));
    REQUIRE(onboard(*agents.back(), f.create_invite("c1"), "a" + std::to_string(i)).type == "welcome");
  }
  auto first = f.admin("GET", "/v1/colonies/c1/agents?limit=3");
  REQUIRE(first.status == 200);
  CHECK(json_at(first.body, "/seq") == "7");
  CHECK(json_array_size(first.body, "/agents") == 3);
  auto cursor = json_at(first.body, "/next_cursor").value();
  REQUIRE(cursor != "null");

  // The colony moves on: a6 goes offline, a new agent joins.
  agents[6]->close();
  WsClient late(f.hub.port());
  REQUIRE(onboard(late, f.create_invite("c1"), "late").type == "welcome");
  REQUIRE(eventually([&] { return json_at(f.admin("GET", "/v1/colonies/c1/agents").body, "/seq") == "9"; }));

  auto second = f.admin("GET", "/v1/colonies/c1/agents?limit=3&cursor=" + cursor);
  REQUIRE(second.status == 200);
  CHECK(json_at(second.body, "/seq") == "7");
  CHECK(json_at(second.body, "/agents/0/id") == "a3");
  auto third = f.admin("GET", "/v1/colonies/c1/agents?limit=3&cursor=" + json_at(second.body, "/next_cursor").value());
  REQUIRE(third.status == 200);
  CHECK(json_at(third.body, "/seq") == "7");
  CHECK(json_array_size(third.body, "/agents") == 1);
  CHECK(json_at(third.body, "/agents/0/id") == "a6");
  CHECK(json_at(third.body, "/agents/0/status") == "online");  // as it was at seq 7
  CHECK(json_at(third.body, "/next_cursor") == "null");

  // A new listing shows the colony now, in one page by default.
  auto now = f.admin("GET", "/v1/colonies/c1/agents");
  CHECK(json_at(now.body, "/seq") == "9");
  CHECK(json_array_size(now.body, "/agents") == 8);
  CHECK(json_at(now.body, "/next_cursor") == "null");

  CHECK(f.admin("GET", "/v1/colonies/c1/agents?limit=0").status == 400);
  CHECK(f.admin("GET", "/v1/colonies/c1/agents?limit=1001").status == 400);
  CHECK(f.admin("GET", "/v1/colonies/c1/agents?cursor=nonsense").status == 400);
  auto lapsed = f.admin("GET", "/v1/colonies/c1/agents?cursor=0123456789abcdef.3");
  CHECK(lapsed.status == 410);
  CHECK(json_at(lapsed.body, "/error/code") == "cursor_expired");
  // A cursor is of its colony: another colony does not hold its listing.
  CHECK(f.admin("GET", "/v1/colonies/c2/agents?limit=3&cursor=" + cursor).status == 410);
}

TEST_CASE("snapshots and listings read in slices describe exactly the colony at their seq while it changes",
          "[large_colony]") {
  // 1,100 agents are three of the store's slices of 500; parts and pages of 100.
  HubFixture f({"--snapshot-part-agents", "100", "--status-min-interval", "0.001", "--max-connections-per-address", "5000"});
  const std::string colony = "swarm";
  EventLog log;
  std::atomic<bool> stop{false};
  std::atomic<bool> oracle_done{false};
  WsClient oracle(f.hub.port());
  oracle.send(watch_request(colony, f.hub.admin_token()));
  REQUIRE(oracle.expect("snapshot").seq == 0);
  std::thread oracle_reader([&] {
    while (!oracle_done) {
      auto text = oracle.receive(200ms);
      if (!text) continue;
      auto message = mi::protocol::parse_server_message(*text);
      if (message && message->type == "event") log.add(std::move(*message));
    }
  });
  StoppedOnExit oracle_stops(oracle_done, oracle_reader);

  // Offline agents early in the list, removed while the reads go on (each removal moves every
  // later agent one place up), then agents that come and go and change their meta, then the bulk.
  std::vector<std::string> removable;
  for (int i = 0; i < 40; ++i) {
    WsClient agent(f.hub.port());
    removable.push_back(onboard(agent, f.create_invite(colony), "gone" + std::to_string(i)).agent->id);
    agent.close();
  }
  std::vector<std::string> churn_tokens;
  for (int i = 0; i < 8; ++i) {
    WsClient agent(f.hub.port());
    churn_tokens.push_back(onboard(agent, f.create_invite(colony), "churn" + std::to_string(i)).token.value());
    agent.close();
  }
  std::vector<std::string> codes;
  for (int i = 0; i < 1050; ++i) codes.push_back(f.create_invite(colony));
  AgentSwarm swarm(f.hub.port(), codes, 30s);
  REQUIRE(swarm.wait_welcomed(60s) == codes.size());

  std::thread churn([&] {
    std::size_t round = 0;
    while (!stop) {
      for (const auto& token : churn_tokens) {
        try {
          WsClient agent(f.hub.port());
          agent.send(hello(token));
          agent.expect("welcome");
          agent.send(R"({"type":"status","meta":{"round":)" + std::to_string(round) + "}}");
          agent.close();
        } catch (const std::exception&) {
          // A slow welcome only makes fewer changes; the reads are checked all the same.
        }
      }
      if (round < removable.size()) {
        f.admin("DELETE", "/v1/colonies/" + colony + "/agents/" + removable[round]);
      }
      ++round;
    }
  });
  StoppedOnExit churn_stops(stop, churn);

  std::vector<SnapshotRead> snapshots;
  std::vector<ListingRead> listings;
  for (int i = 0; i < 12; ++i) {
    WsClient watcher(f.hub.port());
    watcher.send(watch_request(colony, f.hub.admin_token()));
    snapshots.push_back(read_snapshot(watcher));
    listings.push_back(read_listing(f, colony, 100));
  }
  stop = true;
  churn.join();
  std::uint64_t newest = 0;
  for (const auto& read : snapshots) newest = std::max(newest, read.seq);
  for (const auto& read : listings) newest = std::max(newest, read.seq);
  const bool caught_up = eventually([&] { return log.last_seq() >= newest; }, 20s);
  oracle_done = true;
  oracle_reader.join();
  REQUIRE(caught_up);

  std::set<std::uint64_t> seqs;
  for (const auto& read : snapshots) {
    INFO("snapshot at seq " << read.seq);
    CHECK(read.parts == (read.agents.size() + 99) / 100);
    CHECK(read.agents == log.state_at(read.seq));
    seqs.insert(read.seq);
  }
  for (const auto& read : listings) {
    INFO("listing at seq " << read.seq);
    CHECK(read.pages == (read.agents.size() + 99) / 100);
    CHECK(read.agents == log.state_at(read.seq));
    seqs.insert(read.seq);
  }
  // The colony did change between the reads, and between the slices of some of them (else this
  // test proves little).
  CHECK(seqs.size() > 10);
  auto metrics = http_request(f.hub.port(), "GET", "/metrics").body;
  INFO(metrics);
  CHECK(metrics.find("mi_colony_read_catch_up_events_total 0\n") == std::string::npos);
}
