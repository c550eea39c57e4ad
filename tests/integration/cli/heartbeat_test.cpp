// Presence without a socket from the command line: `mi agent heartbeat --once` sends one HTTP
// beat for a cron job, and `mi status` says "Reconnecting" for an agent whose connection dropped
// while the hub waits its offline grace.

#include <fstream>
#include <regex>

#include <catch2/catch.hpp>

#include "tests/integration/cli/cli_fixture.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/ws_client.hpp"

using namespace mi::test::cli;
using mi::test::json_at;

namespace {

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// The table row of agent `id` in `mi status` output, or empty.
std::string row_of(const std::string& table, const std::string& id) {
  for (const auto& line : lines_of(table)) {
    if (line.rfind(id + " ", 0) == 0) return line;
  }
  return "";
}

}  // namespace

TEST_CASE("mi agent heartbeat --once puts a socketless agent Online until the presence TTL runs out",
          "[cli][heartbeat]") {
  CliFixture f;
  const auto code = f.mi({"invite", "--colony", "c1"}).out.substr(0, 6);
  REQUIRE(f.mi({"agent", "onboard", code, "--name", "cron"}).exit_code == 0);
  mi::test::WsClient watcher(f.hub.hub.port());
  watcher.send(mi::test::watch_request("c1", f.hub.hub.admin_token()));
  watcher.expect("snapshot");

  auto beat = f.mi({"agent", "heartbeat", "--once"});
  INFO(beat.err);
  CHECK(beat.exit_code == 0);
  CHECK(has(beat.err, "Heartbeat sent: c1/cron is Online"));
  auto online = watcher.expect("event", 10s);
  CHECK(online.event == "online");
  REQUIRE(online.agent);
  CHECK(online.agent->id == "cron");

  // A beat with a status publishes it as `mi agent status` does; --json says what was sent.
  auto with_meta = f.mi({"agent", "heartbeat", "--once", "--meta", R"({"job":"nightly"})", "--json"});
  INFO(with_meta.err);
  CHECK(with_meta.exit_code == 0);
  CHECK(json_at(with_meta.out, "/agent") == "cron");
  CHECK(json_at(with_meta.out, "/meta/job") == "nightly");
  auto update = watcher.expect("event", 10s);
  CHECK(update.event == "update");

  // No further beat: offline with reason timeout once --presence-ttl (2 s in tests) has passed.
  auto offline = watcher.expect("event", 15s);
  CHECK(offline.event == "offline");
  CHECK(offline.reason == "timeout");
}

TEST_CASE("mi agent heartbeat --once fails with a clear sentence and exit 1", "[cli][heartbeat]") {
  CliFixture f;
  const auto code = f.mi({"invite", "--colony", "c1"}).out.substr(0, 6);
  REQUIRE(f.mi({"agent", "onboard", code, "--name", "gone"}).exit_code == 0);

  // Nothing listens there.
  auto unreachable = f.mi({"agent", "heartbeat", "--once", "--hub", "http://127.0.0.1:9"});
  INFO(unreachable.err);
  CHECK(unreachable.exit_code == 1);
  CHECK(unreachable.err.rfind("error: ", 0) == 0);
  CHECK(has(unreachable.err, "127.0.0.1:9"));

  // The agent was removed: its token no longer works.
  REQUIRE(f.mi({"agent", "remove", "gone", "--colony", "c1"}).exit_code == 0);
  auto refused = f.mi({"agent", "heartbeat", "--once", "--json"});
  INFO(refused.err);
  CHECK(refused.exit_code == 1);
  CHECK(has(refused.err, "unauthorized"));
  CHECK(has(refused.err, "no longer accepts the credentials of c1/gone"));
  CHECK(json_at(refused.out, "/error/code") == "unauthorized");
}

TEST_CASE("mi status says Reconnecting for an online agent whose socket dropped, within the grace", "[cli][status]") {
  CliFixture f({"--offline-grace", "30"});
  mi::test::WsClient agent(f.hub.hub.port());
  mi::test::onboard(agent, f.hub.create_invite("c1"), "flaky");
  mi::test::WsClient steady(f.hub.hub.port());
  mi::test::onboard(steady, f.hub.create_invite("c1"), "steady");

  auto before = f.mi({"status", "--colony", "c1"});
  INFO(before.out);
  CHECK(std::regex_search(row_of(before.out, "flaky"), std::regex(" Online ")));

  // The TCP connection ends without a close frame: the hub keeps the agent Online for the grace.
  agent.drop();
  std::string table;
  CHECK(mi::test::eventually([&] {
    steady.send(R"({"type":"heartbeat"})");  // online throughout, past the tests' 2 s presence TTL
    table = f.mi({"status", "--colony", "c1"}).out;
    return std::regex_search(row_of(table, "flaky"), std::regex("^flaky +Remote +Reconnecting "));
  }, 10s));
  INFO(table);
  CHECK(std::regex_search(row_of(table, "steady"), std::regex("^steady +Remote +Online ")));
  steady.send(R"({"type":"heartbeat"})");
  auto listed = f.mi({"status", "--colony", "c1", "--json"}).out;
  CHECK(agent_field(listed, "flaky", "/status") == "online");
  CHECK(agent_field(listed, "flaky", "/sockets") == "0");
  CHECK(agent_field(listed, "flaky", "/reconnecting") == "true");
  CHECK(agent_field(listed, "steady", "/sockets") == "1");

  // An agent kept online by HTTP beats has no socket either, and is Online, not Reconnecting.
  const auto code = f.mi({"invite", "--colony", "c1"}).out.substr(0, 6);
  REQUIRE(f.mi({"agent", "onboard", code, "--name", "cron"}).exit_code == 0);
  REQUIRE(f.mi({"agent", "heartbeat", "--once"}).exit_code == 0);
  steady.send(R"({"type":"heartbeat"})");
  auto beating = f.mi({"status", "--colony", "c1"}).out;
  INFO(beating);
  CHECK(std::regex_search(row_of(beating, "cron"), std::regex("^cron +Remote +Online ")));
  CHECK(agent_field(f.mi({"status", "--colony", "c1", "--json"}).out, "cron", "/reconnecting") == "false");
}
