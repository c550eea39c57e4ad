// The scripts of large colonies (docs/protocol.md section 8) on a real redis-server: a colony read
// a slice at a time (colony_slice.lua), finding its place again after removals, and the listings
// that keep one reading for the paged agents list (listing_*.lua); and the list of a lost hub's
// orphan sets, which its sweep reads in batches (forget_orphan_set.lua).

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "hub/redis/script_set.hpp"
#include "tests/support/test_redis.hpp"

namespace redis = mi::redis;
using Args = std::vector<std::string>;

namespace {

const std::string kColony = "mi:test:{c:c1}:";

struct Scripts {
  mi::test::TestRedis server;

  redis::Reply run(const std::string& name, const Args& args) {
    const auto* script = redis::builtin_scripts().find(name);
    REQUIRE(script != nullptr);
    Args command = {"EVAL", script->text, "1", kColony};
    command.insert(command.end(), args.begin(), args.end());
    auto reply = server.command(command);
    INFO(name << ": " << reply.str);
    REQUIRE_FALSE(reply.is_error());
    return reply;
  }
  void add_agents(int count) {
    for (int i = 0; i < count; ++i) {
      auto id = "a" + std::to_string(i);
      server.command({"HSET", kColony + "agent:" + id, "id", id, "colony", "c1", "kind", "remote", "status", "offline",
                      "joined_at", "1"});
      server.command({"RPUSH", kColony + "agents", id});
    }
  }
  // colony_slice: the ids of the agents it read, or {"anchor_lost"}.
  std::vector<std::string> slice(int start, int count, const std::string& anchor, long long* next_start = nullptr,
                                 bool* at_end = nullptr) {
    auto reply = run("colony_slice", {std::to_string(start), std::to_string(count), anchor});
    REQUIRE(reply.elements.size() >= 3);
    if (reply.elements[2].str == "anchor_lost") return {"anchor_lost"};
    if (next_start) *next_start = reply.elements[3].integer;
    if (at_end) *at_end = reply.elements[4].integer == 1;
    std::vector<std::string> ids;
    for (std::size_t i = 5; i < reply.elements.size(); ++i) {
      const auto& json = reply.elements[i].str;
      auto start_at = json.find(R"({"id":")") + 7;
      ids.push_back(json.substr(start_at, json.find('"', start_at) - start_at));
    }
    return ids;
  }
};

}  // namespace

TEST_CASE("colony_slice reads a slice after its anchor, wherever removals moved it", "[colony_slice]") {
  Scripts s;
  s.add_agents(10);
  long long next = 0;
  bool at_end = true;
  CHECK(s.slice(0, 4, "", &next, &at_end) == std::vector<std::string>{"a0", "a1", "a2", "a3"});
  CHECK(next == 4);
  CHECK_FALSE(at_end);
  // Two agents before the anchor go: the next slice still starts right after a3.
  s.server.command({"LREM", kColony + "agents", "0", "a1"});
  s.server.command({"LREM", kColony + "agents", "0", "a0"});
  CHECK(s.slice(4, 4, "a3", &next, &at_end) == std::vector<std::string>{"a4", "a5", "a6", "a7"});
  CHECK(next == 6);
  CHECK_FALSE(at_end);
  CHECK(s.slice(6, 4, "a7", &next, &at_end) == std::vector<std::string>{"a8", "a9"});
  CHECK(at_end);
  // The anchor itself gone: the reader must start again.
  s.server.command({"LREM", kColony + "agents", "0", "a7"});
  CHECK(s.slice(6, 4, "a7") == std::vector<std::string>{"anchor_lost"});
}

TEST_CASE("colony_slice gives the seq and epoch of its moment, and skips an id with no agent", "[colony_slice]") {
  Scripts s;
  s.add_agents(3);
  s.server.command({"SET", kColony + "seq", "41"});
  s.server.command({"RPUSH", kColony + "agents", "ghost"});
  auto reply = s.run("colony_slice", {"0", "10", ""});
  CHECK(reply.elements[0].integer == 41);
  CHECK_FALSE(reply.elements[1].str.empty());
  CHECK(reply.elements[3].integer == 4);  // past the ghost
  CHECK(reply.elements[4].integer == 1);
  CHECK(reply.elements.size() == 5 + 3);
}

TEST_CASE("a listing keeps one reading, lapses, and a colony holds a bounded number", "[listing]") {
  Scripts s;
  auto open = [&](const std::string& id, long long now) {
    return s.run("listing_open", {id, std::to_string(now), "60000", "2", "7", "e1"});
  };
  CHECK(open("aaaaaaaaaaaaaaaa", 1000).elements[0].str == "ok");
  auto appended = s.run("listing_append", {"aaaaaaaaaaaaaaaa", "{\"id\":\"a\"}", "{\"id\":\"b\"}", "{\"id\":\"c\"}"});
  CHECK(appended.elements[0].str == "ok");
  CHECK(appended.elements[1].integer == 3);
  auto page = s.run("listing_page", {"aaaaaaaaaaaaaaaa", "1", "1", "2000", "60000", "5000"});
  REQUIRE(page.elements.size() == 4 + 1);
  CHECK(page.elements[1].integer == 7);
  CHECK(page.elements[2].str == "e1");
  CHECK(page.elements[3].integer == 3);
  CHECK(page.elements[4].str == "{\"id\":\"b\"}");
  CHECK(s.run("listing_page", {"bbbbbbbbbbbbbbbb", "0", "5", "2000", "60000", "5000"}).elements[0].str == "gone");
  CHECK(s.run("listing_append", {"bbbbbbbbbbbbbbbb", "{}"}).elements[0].str == "gone");

  // At most 2 open: a third waits for the soonest to lapse (the first, used at 2000).
  CHECK(open("cccccccccccccccc", 3000).elements[0].str == "ok");
  auto full = open("dddddddddddddddd", 4000);
  CHECK(full.elements[0].str == "full");
  CHECK(full.elements[1].integer == 2000 + 60000 - 4000);
  // Past its lapse time the first no longer counts, though Redis may not have expired it yet.
  CHECK(open("dddddddddddddddd", 62001).elements[0].str == "ok");
  // Its last page read, a listing no longer counts, and lives a few seconds for a retry.
  CHECK(open("eeeeeeeeeeeeeeee", 62002).elements[0].str == "full");
  s.run("listing_append", {"cccccccccccccccc", "{\"id\":\"a\"}", "{\"id\":\"b\"}"});
  auto last = s.run("listing_page", {"cccccccccccccccc", "1", "5", "62003", "60000", "5000"});
  REQUIRE(last.elements.size() == 4 + 1);
  CHECK(last.elements[4].str == "{\"id\":\"b\"}");
  auto ttl = s.server.command({"PTTL", kColony + "listing:cccccccccccccccc"}).integer;
  CHECK(ttl > 0);
  CHECK(ttl <= 5000);
  CHECK(open("eeeeeeeeeeeeeeee", 62004).elements[0].str == "ok");
}

TEST_CASE("an orphan set leaves the list only when it is empty", "[orphans]") {
  mi::test::TestRedis server;
  const std::string hubs = "mi:test:{hubs}:";
  const auto* script = redis::builtin_scripts().find("forget_orphan_set");
  REQUIRE(script != nullptr);
  auto forget = [&](const std::string& set) {
    return server.command({"EVAL", script->text, "1", hubs, set}).integer;
  };
  const std::string set = hubs + "orphans:hub#1";
  server.command({"SADD", hubs + "orphan-sets", set});
  server.command({"SADD", set, "c1 conn-1"});
  // Made again by a claim since the sweep drew from it: still listed.
  CHECK(forget(set) == 0);
  CHECK(server.command({"SISMEMBER", hubs + "orphan-sets", set}).integer == 1);
  server.command({"DEL", set});
  CHECK(forget(set) == 1);
  CHECK(server.command({"SISMEMBER", hubs + "orphan-sets", set}).integer == 0);
}
