// One-shot agent commands (`mi agent chat`, `mi agent status`, `mi agent clone`) act without
// faking a session: through the running heartbeat daemon's connection when there is one, over
// the agent's HTTP calls otherwise. Either way the colony sees the action's event and no online
// or offline of the agent.

#include <sys/stat.h>

#include <catch2/catch.hpp>

#include "tests/integration/cli/cli_fixture.hpp"
#include "tests/support/ws_client.hpp"

using namespace mi::test::cli;
using mi::test::json_at;

namespace {

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// What the watcher sees until the event `until` (the barrier), as "event agent" words.
std::vector<std::string> events_until(mi::test::WsClient& watcher, const std::string& until) {
  std::vector<std::string> seen;
  while (true) {
    auto event = watcher.expect("event", 10s);
    seen.push_back(event.event + " " + (event.agent ? event.agent->id : std::string("?")));
    if (event.event == until) return seen;
  }
}

// A colony c1 with the agent jared onboarded from MI_HOME, and a watcher that has seen it join.
struct OnboardedAgent {
  OnboardedAgent() {
    auto code = f.mi({"invite", "--colony", "c1"}).out.substr(0, 6);
    REQUIRE(f.mi({"agent", "onboard", code, "--name", "jared"}).exit_code == 0);
    watcher.send(mi::test::watch_request("c1", f.hub.hub.admin_token()));
    watcher.expect("snapshot");
  }

  CliFixture f;
  mi::test::WsClient watcher{f.hub.hub.port()};
};

}  // namespace

TEST_CASE("one-shot commands without a daemon act over HTTP and the agent does not flap", "[cli][one-shot]") {
  OnboardedAgent a;

  auto chat = a.f.mi({"agent", "chat", "hello"});
  INFO(chat.err);
  CHECK(chat.exit_code == 0);
  CHECK(chat.err == "Sent to the chat of colony c1 as jared.\n");
  auto status = a.f.mi({"agent", "status", "--meta", R"({"task":"x"})"});
  INFO(status.err);
  CHECK(status.exit_code == 0);
  auto clone = a.f.mi({"agent", "clone"});
  INFO(clone.err);
  CHECK(clone.exit_code == 0);
  CHECK(clone.out == "jared-2\n");

  // The clone's event is the barrier: an online or offline of jared would come before it.
  CHECK(events_until(a.watcher, "clone") == std::vector<std::string>{"chat jared", "update jared", "clone jared-2"});
}

TEST_CASE("one-shot commands go through a running heartbeat daemon's connection", "[cli][one-shot]") {
  OnboardedAgent a;
  auto daemon = start_mi({"agent", "heartbeat-daemon", "--interval", "0.5"}, a.f.env());
  REQUIRE(daemon->wait_for([](const std::string&, const std::string& err) { return has(err, "connected as c1/jared"); },
                           10s));
  CHECK(events_until(a.watcher, "online") == std::vector<std::string>{"online jared"});
  const auto socket = a.f.home.path() / "agent.sock";
  CHECK(has(daemon->err(), "go through " + socket.string()));
  struct stat info {};
  REQUIRE(::stat(socket.c_str(), &info) == 0);
  CHECK(S_ISSOCK(info.st_mode));
  CHECK((info.st_mode & 0777) == 0600);

  auto chat = a.f.mi({"agent", "chat", "hello"});
  INFO(chat.err);
  CHECK(chat.exit_code == 0);
  CHECK(chat.err == "Sent to the chat of colony c1 as jared (through the running heartbeat daemon's connection).\n");
  auto status = a.f.mi({"agent", "status", "--meta", R"({"task":"x"})", "--json"});
  INFO(status.err);
  CHECK(status.exit_code == 0);
  CHECK(status.out == "{\"colony\":\"c1\",\"agent\":\"jared\",\"meta\":{\"task\":\"x\"}}\n");
  auto clone = a.f.mi({"agent", "clone"});
  INFO(clone.err);
  CHECK(clone.exit_code == 0);
  CHECK(clone.out == "jared-2\n");
  CHECK(has(clone.err, "through the running heartbeat daemon's connection"));
  CHECK(json_at(read_file(a.f.home.path() / "clones" / "jared-2.json"), "/agent") == "jared-2");

  // The clone has no daemon of its own, so its commands go over HTTP, and the hub's refusal
  // reaches the command: a Hosted agent may not clone itself.
  auto hosted = a.f.mi({"agent", "clone", "--credentials", (a.f.home.path() / "clones" / "jared-2.json").string()});
  CHECK(hosted.exit_code == 1);
  CHECK(has(hosted.err, "not allowed (not_allowed)"));

  // The barrier is the clone; nothing of jared's presence changed on the way.
  CHECK(events_until(a.watcher, "clone") == std::vector<std::string>{"chat jared", "update jared", "clone jared-2"});

  // The daemon stops: its socket goes, and the next command acts over HTTP again.
  daemon->signal(SIGTERM);
  REQUIRE(daemon->wait_exit(10s) == 0);
  CHECK_FALSE(std::filesystem::exists(socket));
  CHECK(events_until(a.watcher, "offline") == std::vector<std::string>{"offline jared"});
  auto after = a.f.mi({"agent", "chat", "bye"});
  CHECK(after.exit_code == 0);
  CHECK(after.err == "Sent to the chat of colony c1 as jared.\n");
  CHECK(events_until(a.watcher, "chat") == std::vector<std::string>{"chat jared"});
}
