// The whole flow of the product page, with the real binaries: an operator invites, an agent
// onboards and stays Online through a hub restart, clones itself, and a worker runs the clone.

#include <sys/stat.h>

#include <regex>
#include <thread>

#include <catch2/catch.hpp>

#include "tests/integration/cli/cli_fixture.hpp"
#include "tests/support/test_redis.hpp"

using namespace mi::test::cli;
using mi::test::json_at;

namespace {

struct SeedFlow {
  SeedFlow() : hub(redis.process.url()) {}

  Env env() const {
    return {{"MI_HUB", hub.url()},
            {"MI_ADMIN_TOKEN", hub.admin_token()},
            {"MI_HOME", home.path().string()},
            {"HOME", home.path().string()}};
  }
  MiResult mi(const std::vector<std::string>& args) const { return run_mi(args, env()); }

  // `mi status --json`, again until `field` of `agent` is `expected` or the time is up; the last
  // value seen.
  std::optional<std::string> wait_agent(const std::string& agent, const std::string& field, const std::string& expected,
                                        std::chrono::milliseconds timeout = 8s) const {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
      auto seen = agent_field(mi({"status", "--colony", "c1", "--json"}).out, agent, field);
      if (seen == expected || std::chrono::steady_clock::now() >= deadline) return seen;
      std::this_thread::sleep_for(200ms);
    }
  }

  mi::test::TestRedis redis;
  HubOnPort hub;
  mi::test::TempDir home{"mi-cli-seed"};
};

std::size_t count_of(const std::string& text, const std::string& part) {
  std::size_t count = 0;
  for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++count;
  return count;
}

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// The last complete line of a watch's output that parses as a colony document.
std::string last_colony_line(const std::string& out) {
  auto lines = lines_of(out);
  for (auto line = lines.rbegin(); line != lines.rend(); ++line) {
    if (json_at(*line, "/colony")) return *line;
  }
  return {};
}

}  // namespace

TEST_CASE("seed flow: invite, onboard, heartbeats across a hub restart, clone, worker", "[cli][presence]") {
  SeedFlow flow;

  // The operator creates an invite, and watches the colony.
  auto invite = flow.mi({"invite", "--colony", "c1", "--name", "jared"});
  REQUIRE(invite.exit_code == 0);
  const std::string code = invite.out.substr(0, 6);
  auto watch = start_mi({"status", "--colony", "c1", "--watch", "--json"}, flow.env());
  REQUIRE(watch->wait_for([](const std::string& out, const std::string&) { return has(out, "\"seq\""); }, 10s));

  // The agent onboards and appears, Remote, in the colony.
  auto joined = flow.mi({"agent", "onboard", code, "--name", "jared"});
  INFO(joined.err);
  REQUIRE(joined.exit_code == 0);
  CHECK(joined.out == "Joined colony c1 as jared\n");
  auto listed = flow.mi({"status", "--colony", "c1", "--json"});
  REQUIRE(listed.exit_code == 0);
  CHECK(json_at(listed.out, "/colony") == "c1");
  CHECK(agent_field(listed.out, "jared", "/kind") == "remote");
  auto table = flow.mi({"status", "--colony", "c1"});
  CHECK(std::regex_search(table.out, std::regex("AGENT +KIND +STATUS +LAST SEEN +REASON +META\njared +Remote +(Online|Offline) ")));

  // The heartbeat daemon keeps it Online past several presence TTLs (2 s each).
  auto daemon = start_mi({"agent", "heartbeat-daemon", "--interval", "0.5", "--json"}, flow.env());
  auto connected_count = [&daemon] { return count_of(daemon->out(), "\"state\":\"connected\""); };
  REQUIRE(daemon->wait_for([&](const std::string&, const std::string&) { return connected_count() == 1; }, 10s));
  CHECK(flow.wait_agent("jared", "/status", "online") == "online");
  std::this_thread::sleep_for(7s);
  CHECK(flow.wait_agent("jared", "/status", "online", 0s) == "online");
  CHECK(has(daemon->err(), "connected as c1/jared"));

  // The hub restarts on the same address: the daemon hears 1012, reconnects, and the agent is back.
  REQUIRE(flow.hub.stop() == 0);
  CHECK(daemon->wait_for([](const std::string&, const std::string& err) {
    return has(err, "disconnected (1012 hub restarting); reconnecting in");
  }, 5s));
  flow.hub.start();
  CHECK(daemon->wait_for([&](const std::string&, const std::string&) { return connected_count() == 2; }, 25s));
  CHECK(flow.wait_agent("jared", "/status", "online") == "online");

  // The agent clones itself: jared-2, Hosted, Offline until a worker runs it.
  auto cloned = flow.mi({"agent", "clone"});
  INFO(cloned.err);
  REQUIRE(cloned.exit_code == 0);
  CHECK(cloned.out == "jared-2\n");
  const auto clone_file = flow.home.path() / "clones" / "jared-2.json";
  struct stat info {};
  REQUIRE(::stat(clone_file.c_str(), &info) == 0);
  CHECK((info.st_mode & 0777) == 0600);
  CHECK(json_at(read_file(clone_file), "/agent") == "jared-2");
  CHECK(flow.wait_agent("jared-2", "/kind", "hosted") == "hosted");
  table = flow.mi({"status", "--colony", "c1"});
  CHECK(std::regex_search(table.out, std::regex("\njared-2 +Hosted +Offline +never\n")));

  // Only a Remote agent can clone itself.
  auto refused = flow.mi({"agent", "clone", "--credentials", clone_file.string()});
  CHECK(refused.exit_code == 1);
  CHECK(has(refused.err, "not allowed (not_allowed)"));
  CHECK(has(refused.err, "only a Remote agent"));

  // A worker runs the clone with its credentials and brings it Online.
  auto worker = start_mi({"agent", "run", "--credentials", clone_file.string(), "--interval", "0.5"}, flow.env());
  REQUIRE(worker->wait_for([](const std::string&, const std::string& err) { return has(err, "connected as c1/jared-2"); },
                           10s));
  CHECK(flow.wait_agent("jared-2", "/status", "online") == "online");

  // Chat reaches the colony's members; a status shows up as the agent's meta.
  auto chat = flow.mi({"agent", "chat", "hello from jared"});
  INFO(chat.err);
  CHECK(chat.exit_code == 0);
  CHECK(worker->wait_for([](const std::string& out, const std::string&) { return has(out, "jared: hello from jared"); },
                         5s));
  auto status = flow.mi({"agent", "status", "--meta", R"({"task": "reviewing PR 12"})", "--json"});
  INFO(status.err);
  CHECK(status.exit_code == 0);
  CHECK(json_at(status.out, "/meta/task") == "reviewing PR 12");
  CHECK(flow.wait_agent("jared", "/meta/task", "reviewing PR 12") == "reviewing PR 12");

  // The watch followed everything, across the restart, one JSON document per line.
  CHECK(watch->wait_for([](const std::string& out, const std::string&) {
    const auto line = last_colony_line(out);
    return agent_field(line, "jared", "/meta/task") == "reviewing PR 12" &&
           agent_field(line, "jared-2", "/status") == "online";
  }, 5s));
  for (const auto& line : lines_of(watch->out())) {
    INFO(line);
    CHECK(json_at(line, "/colony") == "c1");
  }
  CHECK(std::regex_search(watch->err(), std::regex("disconnected \\(1012 hub restarting\\)")));
  CHECK(has(watch->err(), "resumed colony c1"));  // with `since`: no snapshot again

  // SIGTERM and SIGINT: a clean close, exit 0, and the agents go Offline at once.
  daemon->signal(SIGTERM);
  CHECK(daemon->wait_exit(5s) == 0);
  CHECK(has(daemon->err(), "received SIGTERM; closing the connection"));
  CHECK(has(daemon->out(), "\"state\":\"stopped\""));
  CHECK(flow.wait_agent("jared", "/status", "offline", 3s) == "offline");
  worker->signal(SIGINT);
  CHECK(worker->wait_exit(5s) == 0);
  CHECK(flow.wait_agent("jared-2", "/status", "offline", 3s) == "offline");
  watch->signal(SIGTERM);
  CHECK(watch->wait_exit(5s) == 0);
}

TEST_CASE("mi status shows an empty colony plainly", "[cli][presence]") {
  CliFixture fixture;
  auto empty = fixture.mi({"status", "--colony", "nobody-here"});
  CHECK(empty.exit_code == 0);
  CHECK(has(empty.out, "No agents in colony nobody-here yet"));
  auto as_json = fixture.mi({"status", "--colony", "nobody-here", "--json"});
  CHECK(as_json.exit_code == 0);
  CHECK(json_at(as_json.out, "/agents") == "[]");
}

TEST_CASE("mi status --json passes the hub's agent objects on unchanged", "[cli][presence]") {
  CliFixture fixture;
  REQUIRE(fixture.mi({"agent", "onboard", fixture.hub.create_invite("c1"), "--name", "jared", "--json"}).exit_code == 0);
  auto listed = fixture.mi({"status", "--colony", "c1", "--json"});
  REQUIRE(listed.exit_code == 0);
  const auto from_hub = fixture.hub.admin("GET", "/v1/colonies/c1/agents");
  REQUIRE(from_hub.status == 200);
  CHECK(json_at(listed.out, "/agents") == json_at(from_hub.body, "/agents"));
  CHECK(json_at(listed.out, "/seq") == json_at(from_hub.body, "/seq"));
}

TEST_CASE("the daemon keeps trying while the hub is away, then connects", "[cli][presence]") {
  SeedFlow flow;
  auto invite = flow.mi({"invite", "--colony", "c1"});
  REQUIRE(invite.exit_code == 0);
  REQUIRE(flow.mi({"agent", "onboard", invite.out.substr(0, 6)}).exit_code == 0);
  REQUIRE(flow.hub.stop() == 0);

  auto daemon = start_mi({"agent", "heartbeat-daemon", "--interval", "0.5"}, flow.env());
  CHECK(daemon->wait_for([](const std::string&, const std::string& err) {
    return std::regex_search(err, std::regex("could not connect to http://127.0.0.1:\\d+ \\(connection refused\\); "
                                             "retrying in \\d+\\.\\ds\n(.|\n)*retrying in"));
  }, 10s));
  flow.hub.start();
  CHECK(daemon->wait_for([](const std::string&, const std::string& err) { return has(err, "connected as c1/agent"); },
                         25s));
  CHECK(flow.wait_agent("agent", "/status", "online") == "online");
  daemon->signal(SIGINT);
  CHECK(daemon->wait_exit(5s) == 0);
}

TEST_CASE("with no --interval, the daemon keeps up with a hub's short presence TTL", "[cli][presence]") {
  SeedFlow flow;  // the hub runs with --presence-ttl 2, as the contract's tests do
  auto invite = flow.mi({"invite", "--colony", "c1"});
  REQUIRE(invite.exit_code == 0);
  REQUIRE(flow.mi({"agent", "onboard", invite.out.substr(0, 6)}).exit_code == 0);

  auto daemon = start_mi({"agent", "heartbeat-daemon"}, flow.env());
  REQUIRE(daemon->wait_for([](const std::string&, const std::string& err) {
    return has(err, "connected as c1/agent; a heartbeat every 0.7s, as the hub puts an agent Offline after 2s");
  }, 10s));
  CHECK(flow.wait_agent("agent", "/status", "online") == "online");
  // Three TTLs later: still the one connection, and Online all along.
  for (int i = 0; i < 6; ++i) {
    std::this_thread::sleep_for(1s);
    CHECK(flow.wait_agent("agent", "/status", "online", 0s) == "online");
  }
  CHECK(count_of(daemon->err(), "connected as") == 1);
  CHECK(!has(daemon->err(), "disconnected"));
  daemon->signal(SIGINT);
  CHECK(daemon->wait_exit(5s) == 0);
}

TEST_CASE("mi status --watch takes a fresh snapshot when the colony's history changes under the hub", "[cli][presence][epoch]") {
  CliFixture fixture;
  REQUIRE(fixture.mi({"agent", "onboard", fixture.hub.create_invite("c1"), "--name", "jared"}).exit_code == 0);
  auto watch = start_mi({"status", "--colony", "c1", "--watch", "--json"}, fixture.env());
  REQUIRE(watch->wait_for([](const std::string& out, const std::string&) {
    return agent_field(last_colony_line(out), "jared", "/id") == "jared";
  }, 10s));

  // Redis restarted empty: the colony's seq starts again under a new epoch, with another agent.
  fixture.hub.redis.command({"FLUSHALL"});
  REQUIRE(fixture.mi({"agent", "onboard", fixture.hub.create_invite("c1"), "--name", "nora"}).exit_code == 0);

  // The hub closes the watch with 4009; mi comes back without since, for a snapshot of the new
  // history (a since of the old one could otherwise resume in the middle of the new).
  CHECK(watch->wait_for([](const std::string& out, const std::string&) {
    const auto line = last_colony_line(out);
    return agent_field(line, "nora", "/id") == "nora" && !agent_field(line, "jared", "/id");
  }, 15s));
  INFO(watch->err());
  CHECK(count_of(watch->err(), "watching colony c1") == 2);
  CHECK_FALSE(has(watch->err(), "resumed colony c1"));
  watch->signal(SIGTERM);
  CHECK(watch->wait_exit(5s) == 0);
}
