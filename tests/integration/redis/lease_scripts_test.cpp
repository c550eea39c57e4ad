// The presence lease scripts (redis-scripts/prelude.lua "Presence leases") on a real redis-server,
// with the time given as an argument: the grace of a dropped socket, HTTP beats, health reports,
// and the index of due colonies that every hub's lease sweep reads.

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "hub/redis/script_set.hpp"
#include "tests/support/test_redis.hpp"

namespace redis = mi::redis;
using Args = std::vector<std::string>;

namespace {

const std::string kColony = "mi:test:{c:c1}:";
const std::string kLeases = "mi:test:{leases}:";
const std::string kSecretSha = "0123abcd";

struct Scripts {
  mi::test::TestRedis server;

  redis::Reply run(const std::string& name, const std::string& key, const Args& args) {
    const auto* script = redis::builtin_scripts().find(name);
    REQUIRE(script != nullptr);
    Args command = {"EVAL", script->text, "1", key};
    command.insert(command.end(), args.begin(), args.end());
    auto reply = server.command(command);
    INFO(name << ": " << reply.str);
    REQUIRE_FALSE(reply.is_error());
    return reply;
  }

  void add_agent(const std::string& id, const std::string& kind = "remote") {
    server.command({"HSET", kColony + "agent:" + id, "id", id, "colony", "c1", "kind", kind, "status", "offline",
                    "joined_at", "1", "token_sha256", kSecretSha});
    server.command({"RPUSH", kColony + "agents", id});
  }
  // agent_connect: {"ok", AGENT, seq}
  redis::Reply connect(const std::string& id, const std::string& connection, std::int64_t now) {
    return run("agent_connect", kColony,
               {id, kSecretSha, connection, "hub#000000000000", std::to_string(now), "1000", "", "120000", "0"});
  }
  // agent_disconnect: {seq, lease end}
  redis::Reply disconnect(const std::string& connection, std::int64_t now, std::int64_t grace_ms,
                          const std::string& reason = "closed") {
    return run("agent_disconnect", kColony,
               {connection, reason, "0", std::to_string(now), "1000", "0", std::to_string(grace_ms)});
  }
  // expire_leases: {next lease end, agents put offline}
  redis::Reply expire(std::int64_t now) { return run("expire_leases", kColony, {std::to_string(now), "100", "1000"}); }

  std::string field(const std::string& id, const std::string& name) {
    return server.command({"HGET", kColony + "agent:" + id, name}).str;
  }
  // The last event's JSON.
  std::string last_event() {
    auto entries = server.command({"XREVRANGE", kColony + "events", "+", "-", "COUNT", "1"});
    return entries.elements.at(0).elements.at(1).elements.at(1).str;
  }
  std::int64_t events() { return server.command({"XLEN", kColony + "events"}).integer; }
};

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("a dropped last socket keeps the agent online until its grace ends, then offline with its reason",
          "[redis][scripts][leases]") {
  Scripts s;
  s.add_agent("jared");
  REQUIRE(s.connect("jared", "conn-1", 1'000).elements.at(0).str == "ok");
  CHECK(s.events() == 1);  // online

  auto dropped = s.disconnect("conn-1", 2'000, 5'000, "drained");
  CHECK(dropped.elements.at(0).integer == 0);       // no event now
  CHECK(dropped.elements.at(1).integer == 7'000);   // the grace's end, for the index
  CHECK(s.field("jared", "status") == "online");
  CHECK(s.server.command({"ZSCORE", kColony + "leases", "jared"}).str == "7000");
  CHECK(s.events() == 1);

  auto early = s.expire(6'999);
  CHECK(early.elements.at(0).integer == 7'000);
  CHECK(early.elements.at(1).integer == 0);
  CHECK(s.field("jared", "status") == "online");

  auto ended = s.expire(7'000);
  CHECK(ended.elements.at(0).integer == 0);  // nothing left
  CHECK(ended.elements.at(1).integer == 1);
  CHECK(s.field("jared", "status") == "offline");
  CHECK(s.field("jared", "offline_reason") == "drained");
  CHECK(contains(s.last_event(), R"("event":"offline")"));
  CHECK(contains(s.last_event(), R"("reason":"drained")"));
  CHECK(contains(s.last_event(), R"("sockets":0)"));
  CHECK(s.server.command({"ZCARD", kColony + "leases"}).integer == 0);
}

TEST_CASE("a socket back within the grace ends it with no event; a close frame is offline at once",
          "[redis][scripts][leases]") {
  Scripts s;
  s.add_agent("jared");
  s.connect("jared", "conn-1", 1'000);
  s.disconnect("conn-1", 2'000, 5'000);
  auto back = s.connect("jared", "conn-2", 3'000);
  CHECK(back.elements.at(2).integer == 0);  // no "online" event: it never left
  CHECK(contains(back.elements.at(1).str, R"("sockets":1)"));
  CHECK(s.server.command({"HEXISTS", kColony + "agent:jared", "grace_until"}).integer == 0);
  CHECK(s.server.command({"ZCARD", kColony + "leases"}).integer == 0);
  CHECK(s.expire(100'000).elements.at(1).integer == 0);
  CHECK(s.field("jared", "status") == "online");
  CHECK(s.events() == 1);

  auto closed = s.disconnect("conn-2", 4'000, 0);  // the agent's close frame: no grace
  CHECK(closed.elements.at(0).integer == 2);
  CHECK(s.field("jared", "status") == "offline");
}

TEST_CASE("HTTP beats keep an agent online until the TTL after the last one; a socket's close does not end them",
          "[redis][scripts][leases]") {
  Scripts s;
  s.add_agent("cron");
  CHECK(s.run("agent_beat", kColony, {"cron", "wrong", "1000", "2000", "1000"}).elements.at(0).str == "unauthorized");
  auto first = s.run("agent_beat", kColony, {"cron", kSecretSha, "1000", "2000", "1000"});
  CHECK(first.elements.at(0).str == "ok");
  CHECK(first.elements.at(1).integer == 1);      // online
  CHECK(first.elements.at(2).integer == 3'000);  // its lease end
  auto second = s.run("agent_beat", kColony, {"cron", kSecretSha, "2500", "2000", "1000"});
  CHECK(second.elements.at(1).integer == 0);
  CHECK(second.elements.at(2).integer == 4'500);

  // A socket comes and closes (a close frame) while the beats hold: still online.
  s.connect("cron", "conn-1", 3'000);
  auto closed = s.disconnect("conn-1", 3'500, 0);
  CHECK(closed.elements.at(0).integer == 0);
  CHECK(s.field("cron", "status") == "online");

  CHECK(s.expire(4'499).elements.at(1).integer == 0);
  CHECK(s.expire(4'500).elements.at(1).integer == 1);
  CHECK(s.field("cron", "offline_reason") == "timeout");
}

TEST_CASE("health reports: healthy holds for its TTL, unhealthy is offline at once, remote agents refused",
          "[redis][scripts][leases]") {
  Scripts s;
  s.add_agent("jared");
  s.add_agent("jared-2", "hosted");
  CHECK(s.run("report_health", kColony, {"nobody", "1", "5000", "1000", "1000"}).elements.at(0).str == "not_found");
  CHECK(s.run("report_health", kColony, {"jared", "1", "5000", "1000", "1000"}).elements.at(0).str == "not_hosted");

  auto healthy = s.run("report_health", kColony, {"jared-2", "1", "5000", "1000", "1000"});
  CHECK(healthy.elements.at(2).integer == 1);  // online
  CHECK(healthy.elements.at(3).integer == 6'000);
  auto unhealthy = s.run("report_health", kColony, {"jared-2", "0", "0", "2000", "1000"});
  CHECK(unhealthy.elements.at(2).integer == 2);  // offline
  CHECK(unhealthy.elements.at(3).integer == 0);
  CHECK(s.field("jared-2", "offline_reason") == "unhealthy");

  s.run("report_health", kColony, {"jared-2", "1", "1000", "3000", "1000"});
  CHECK(s.expire(4'000).elements.at(1).integer == 1);
  CHECK(s.field("jared-2", "offline_reason") == "unhealthy");
}

TEST_CASE("the index of due colonies: a lease filed while a sweep ran keeps the colony due", "[redis][scripts][leases]") {
  Scripts s;
  s.run("lease_schedule", kLeases, {"c1", "5000"});
  s.run("lease_schedule", kLeases, {"c1", "9000"});  // later: the colony stays filed at 5000
  CHECK(s.server.command({"ZSCORE", kLeases + "due", "c1"}).str == "5000");
  CHECK(s.run("lease_due", kLeases, {"4999", "10"}).elements.empty());

  auto due = s.run("lease_due", kLeases, {"6000", "10"});
  REQUIRE(due.elements.size() == 2);
  CHECK(due.elements.at(0).str == "c1");
  const auto generation = due.elements.at(1).str;
  // Between the sweep's read of the colony and its refiling, a hub files a new lease.
  s.run("lease_schedule", kLeases, {"c1", "7000"});
  CHECK(s.run("lease_reschedule", kLeases, {"c1", generation, "0"}).integer == 0);
  CHECK(s.server.command({"ZSCORE", kLeases + "due", "c1"}).str == "5000");  // still due: read again

  auto again = s.run("lease_due", kLeases, {"6000", "10"});
  REQUIRE(again.elements.size() == 2);
  CHECK(s.run("lease_reschedule", kLeases, {"c1", again.elements.at(1).str, "7000"}).integer == 1);
  CHECK(s.server.command({"ZSCORE", kLeases + "due", "c1"}).str == "7000");
  auto last = s.run("lease_due", kLeases, {"7000", "10"});
  CHECK(s.run("lease_reschedule", kLeases, {"c1", last.elements.at(1).str, "0"}).integer == 1);
  CHECK(s.server.command({"ZCARD", kLeases + "due"}).integer == 0);
}

TEST_CASE("the ghost sweep settles a lease that ended unnoticed, and spares an agent a lease holds",
          "[redis][scripts][leases]") {
  Scripts s;
  s.add_agent("held");
  s.add_agent("forgotten");
  s.connect("held", "conn-1", 1'000);
  s.connect("forgotten", "conn-2", 1'000);
  s.disconnect("conn-1", 2'000, 60'000);  // in grace until 62 000
  s.disconnect("conn-2", 2'000, 1'000);   // its grace ended at 3 000; the index never heard of it
  s.server.command({"DEL", kColony + "alive:held", kColony + "alive:forgotten"});
  auto swept = s.run("expire_ghosts", kColony, {"0", "100", "10000", "1000", "hub#000000000000"});
  CHECK(swept.elements.at(1).integer == 1);
  CHECK(s.field("forgotten", "status") == "offline");
  CHECK(s.field("forgotten", "offline_reason") == "closed");
  CHECK(s.field("held", "status") == "online");
}
