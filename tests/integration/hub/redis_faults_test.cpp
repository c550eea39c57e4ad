// Redis faults and hub restarts (docs/protocol.md sections 4 and 6) on real processes: a Redis stopped
// with SIGSTOP while agents beat, close and fall silent; a hub killed and started again at once
// under the same --hub-id.

#include <catch2/catch.hpp>

#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <optional>
#include <tuple>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <hiredis/hiredis.h>

#include "hub/core/crypto.hpp"
#include "hub/redis/endpoint.hpp"
#include "hub/redis/script_set.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/hub_fixture.hpp"
#include "tests/support/json_pointer.hpp"
#include "tests/support/tcp_proxy.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/ws_client.hpp"

using namespace mi::test;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

std::string create_invite(const HubProcess& hub, const std::string& colony) {
  auto reply = http_request(hub.port(), "POST", "/v1/colonies/" + colony + "/invites", "{}",
                            {{"authorization", "Bearer " + hub.admin_token()}});
  return json_at(reply.body, "/code").value();
}

// What a watcher saw, one line per event: "offline steady timeout", "online steady", ...
struct EventLog {
  std::vector<std::string> lines;
  std::map<std::string, Clock::time_point> first_seen;

  // Reads what came within `wait` (at most one message).
  void poll(WsClient& watcher, std::chrono::milliseconds wait) {
    auto text = watcher.receive(wait);
    if (!text) return;
    auto message = mi::protocol::parse_server_message(*text);
    REQUIRE(message);
    if (message->type != "event") return;
    auto who = message->agent ? message->agent->id : message->from.value_or("");
    auto line = message->event + " " + who +
                (message->reason ? " " + *message->reason : "");
    lines.push_back(line);
    first_seen.emplace(line, Clock::now());
  }
  bool saw(const std::string& line) const { return first_seen.count(line) > 0; }
  std::string joined() const {
    std::string all;
    for (const auto& line : lines) all += line + "; ";
    return all;
  }
  std::vector<std::string> about(const std::string& agent) const {
    std::vector<std::string> found;
    for (const auto& line : lines) {
      if (line.find(" " + agent) != std::string::npos) found.push_back(line);
    }
    return found;
  }
};

// A command written to Redis and never read back: what a hub's command that timed out during a
// stall leaves in Redis' socket, to run the moment Redis resumes. The connection is made (and
// accepted by Redis) before the stall, as a hub's is, so that what it sends first runs first.
class LateCommand {
 public:
  explicit LateCommand(const mi::redis::Endpoint& endpoint)
      : context_(redisConnect(endpoint.host.c_str(), endpoint.port), &redisFree) {
    REQUIRE(context_);
    REQUIRE(context_->err == 0);
    auto* pong = static_cast<redisReply*>(redisCommand(context_.get(), "PING"));
    REQUIRE(pong != nullptr);
    freeReplyObject(pong);
  }

  void send(const std::vector<std::string>& args) {
    std::vector<const char*> argv;
    std::vector<std::size_t> sizes;
    for (const auto& arg : args) {
      argv.push_back(arg.data());
      sizes.push_back(arg.size());
    }
    REQUIRE(redisAppendCommandArgv(context_.get(), static_cast<int>(argv.size()), argv.data(), sizes.data()) ==
            REDIS_OK);
    for (int done = 0; !done;) REQUIRE(redisBufferWrite(context_.get(), &done) == REDIS_OK);
  }

 private:
  std::unique_ptr<redisContext, decltype(&redisFree)> context_;
};

// The child processes of `pid` (the embedded redis-server of a hub), from /proc.
std::vector<pid_t> children_of(pid_t pid) {
  std::vector<pid_t> children;
  std::error_code ec;
  for (const auto& task : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task", ec)) {
    std::ifstream list(task.path() / "children");
    for (pid_t child = 0; list >> child;) children.push_back(child);
  }
  return children;
}

// The outage rules of section 6 across a Redis fault: two hubs on `redis` (an eager sweep:
// whenever they sweep, a fault must not make a hub look lost), a watcher on the second, three
// agents on the first. "steady" beats every 300 ms throughout, "closer" closes 1 s into the
// fault, "silent" sends nothing. `begin` starts the fault, `end` ends it `length` later.
void check_presence_across_outage(TestRedis& redis, std::chrono::seconds length, const std::function<void()>& begin,
                                  const std::function<void()>& end) {
  const std::vector<std::string> flags = {"--hub-liveness", "3", "--sweep-period", "0.2", "--redis-timeout", "1"};
  HubProcess hub_a(hub_options(redis, flags));
  HubProcess hub_b(hub_options(redis, flags));
  WsClient watcher(hub_b.port());
  watcher.send(watch_request("c1", hub_b.admin_token()));
  watcher.expect("snapshot");
  WsClient steady(hub_a.port()), closer(hub_a.port()), silent(hub_a.port());
  REQUIRE(onboard(steady, create_invite(hub_a, "c1"), "steady").type == "welcome");
  REQUIRE(onboard(closer, create_invite(hub_a, "c1"), "closer").type == "welcome");
  REQUIRE(onboard(silent, create_invite(hub_a, "c1"), "silent").type == "welcome");
  for (int i = 0; i < 3; ++i) CHECK(watcher.expect("event").event == "join");

  begin();
  const auto stopped_at = Clock::now();
  // HTTP probes on a thread of their own: the agents' beats must not wait for them.
  auto probes = std::async(std::launch::async, [&] {
    std::optional<Clock::duration> not_ready_after;
    while (!not_ready_after && Clock::now() - stopped_at < length - 1s) {
      if (http_request(hub_a.port(), "GET", "/readyz", "", {}, 3s).status == 503) {
        not_ready_after = Clock::now() - stopped_at;
      }
    }
    // A request that needs Redis is refused as unavailable, within the command deadline.
    auto asked_at = Clock::now();
    auto listed = http_request(hub_a.port(), "GET", "/v1/colonies/c1/agents", "",
                               {{"authorization", "Bearer " + hub_a.admin_token()}}, 3s);
    auto answer = std::to_string(listed.status) + " " + json_at(listed.body, "/error/code").value_or("");
    return std::tuple{not_ready_after, answer, Clock::now() - asked_at};
  });
  EventLog events;
  bool closed = false;
  while (Clock::now() - stopped_at < length) {
    steady.send(R"({"type":"heartbeat"})");
    if (!closed && Clock::now() - stopped_at > 1s) {
      closer.close();
      closed = true;
    }
    events.poll(watcher, 300ms);
  }
  auto [not_ready_after, agents_reply, agents_reply_took] = probes.get();
  end();
  const auto resumed_at = Clock::now();
  REQUIRE(not_ready_after);
  CHECK(*not_ready_after < 5s);
  CHECK(agents_reply == "503 unavailable");
  CHECK(agents_reply_took < 2s);  // --redis-timeout 1
  // Presence is true again soon after Redis answers: the closed agent offline as closed, the
  // silent one as timed out, while the steady one keeps beating.
  bool ready_again = false;
  while (Clock::now() - resumed_at < 10s &&
         !(events.saw("offline closer closed") && events.saw("offline silent timeout") && ready_again)) {
    steady.send(R"({"type":"heartbeat"})");
    if (!ready_again) ready_again = http_request(hub_a.port(), "GET", "/readyz", "", {}, 1s).status == 200;
    events.poll(watcher, 300ms);
  }
  INFO(hub_a.log());
  INFO("events: " << events.joined());
  CHECK(ready_again);
  REQUIRE(events.saw("offline closer closed"));
  REQUIRE(events.saw("offline silent timeout"));
  CHECK(events.first_seen["offline closer closed"] - resumed_at < 5s);
  CHECK(events.first_seen["offline silent timeout"] - resumed_at < 5s);
  // Two liveness periods more of beating, then a chat from the steady agent as the barrier: every
  // event the hubs would emit about it before the chat has arrived by then.
  const auto settled_from = Clock::now();
  while (Clock::now() - settled_from < 6s) {
    steady.send(R"({"type":"heartbeat"})");
    events.poll(watcher, 300ms);
  }
  steady.send(R"({"type":"chat","text":"still here"})");
  for (auto deadline = Clock::now() + 5s; !events.saw("chat steady") && Clock::now() < deadline;) {
    events.poll(watcher, 300ms);
  }
  INFO("events then: " << events.joined());
  // The chat is the only event about the agent that never stopped beating.
  CHECK(events.about("steady") == std::vector<std::string>{"chat steady"});
  CHECK(redis.command({"HGET", "mi:test:{c:c1}:agent:steady", "status"}).str == "online");
}

// Onboards `name` into c1 on a socket closed right after its welcome; the agent's token.
std::string onboard_and_leave(const HubProcess& hub, const std::string& name) {
  WsClient agent(hub.port());
  const auto welcome = onboard(agent, create_invite(hub, "c1"), name);
  REQUIRE(welcome.type == "welcome");
  return welcome.token.value();
}

// One hello with `token` on a socket closed right after its welcome.
void say_hello_once(const HubProcess& hub, const std::string& token) {
  WsClient agent(hub.port());
  agent.send(R"({"type":"hello","token":")" + token + R"("})");
  REQUIRE(agent.expect("welcome").type == "welcome");
}

}  // namespace

TEST_CASE("a Redis stalled for 8 s: beating agents stay online, a closed one goes offline (closed), a silent one (timeout)",
          "[redis-faults][stall]") {
  TestRedis redis;
  std::optional<LateCommand> late_sweep;
  check_presence_across_outage(
      redis, 8s,
      [&] {
        late_sweep.emplace(redis.endpoint());
        REQUIRE(kill(redis.process.pid(), SIGSTOP) == 0);
        // A sweep sent now runs first when Redis resumes, when every hub's liveness key has
        // lapsed: the stall must not count as evidence that the hubs died.
        late_sweep->send({"EVAL", mi::redis::builtin_scripts().find("claim_lost_hubs")->text, "1", "mi:test:{hubs}:",
                          "late-sweeper#AAAAAAAAAAAA", "3000", "0"});
      },
      [&] { REQUIRE(kill(redis.process.pid(), SIGCONT) == 0); });
}

TEST_CASE("Redis killed (kill -9) and started again on its data: the same, beating agents with no event",
          "[redis-faults][redis-restart]") {
  TestRedis redis(TestRedis::Persistence::append_only);
  check_presence_across_outage(
      redis, 4s, [&] { REQUIRE(kill(redis.process.pid(), SIGKILL) == 0); }, [&] { redis.process.restart(); });
}

TEST_CASE("a hub killed and started again at once under the same --hub-id puts its old agents offline (hub_lost)",
          "[redis-faults][restart]") {
  TestRedis redis;
  // Liveness keys that would take a minute to expire: only the restarted process can end its
  // predecessor's connections in time, by claiming the other instances of its own hub id.
  const std::vector<std::string> flags = {"--hub-liveness", "60", "--sweep-period", "0.5"};
  HubProcess observer(hub_options(redis, flags));
  WsClient watcher(observer.port());
  watcher.send(watch_request("c1", observer.admin_token()));
  watcher.expect("snapshot");

  auto options = hub_options(redis, flags);
  options.hub_id = "pod-0";
  auto pod = std::make_unique<HubProcess>(options);
  const auto first_instance = pod->instance();
  WsClient agent(pod->port());
  REQUIRE(onboard(agent, create_invite(*pod, "c1"), "stranded").type == "welcome");
  CHECK(watcher.expect("event").event == "join");

  pod->kill();
  pod = std::make_unique<HubProcess>(options);
  const auto restarted_at = Clock::now();
  CHECK(pod->instance() != first_instance);
  CHECK(pod->hub_id() == "pod-0");
  auto offline = watcher.expect("event", 15s);
  CHECK(offline.event == "offline");
  CHECK(offline.reason == std::optional<std::string>("hub_lost"));
  CHECK(offline.agent->id == "stranded");
  CHECK(Clock::now() - restarted_at < 10s);
  // Nothing of the dead instance is left in the registry.
  CHECK(redis.command({"SISMEMBER", "mi:test:{hubs}:all", first_instance}).integer == 0);
  CHECK(redis.command({"EXISTS", "mi:test:{hubs}:conns:" + first_instance}).integer == 0);
  CHECK(eventually([&] {
    return redis.command({"EXISTS", "mi:test:{hubs}:orphans:" + first_instance}).integer == 0 &&
           redis.command({"SCARD", "mi:test:{hubs}:orphan-sets"}).integer == 0;
  }));
}

TEST_CASE("a redemption answered with welcome survives kill -9 of the embedded Redis, every time", "[redis-faults][durability]") {
  TempDir data("mi-durable");
  HubOptions options;
  options.redis_url = "embedded";
  options.extra_args = {"--data-dir", data.path().string()};
  HubProcess hub(options);
  const std::map<std::string, std::string> admin = {{"authorization", "Bearer " + hub.admin_token()}};

  // The embedded Redis is told to fsync every write before it answers.
  constexpr std::string_view kRunningAt = "embedded redis-server running at ";
  auto started = hub.log();
  auto url_begin = started.find(kRunningAt);
  REQUIRE(url_begin != std::string::npos);
  url_begin += kRunningAt.size();
  auto endpoint = mi::redis::parse_redis_url(started.substr(url_begin, started.find('\n', url_begin) - url_begin));
  REQUIRE(endpoint);
  auto fsync = blocking_command(*endpoint, {"CONFIG", "GET", "appendfsync"});
  REQUIRE(fsync.elements.size() == 2);
  CHECK(fsync.elements[1].str == "always");

  // Killed the moment the welcome arrives, five times over: none of the redemptions is undone.
  for (int round = 0; round < 5; ++round) {
    HttpReply created;
    REQUIRE(eventually([&] {
      return (created = http_request(hub.port(), "POST", "/v1/colonies/c1/invites", "{}", admin)).status == 201;
    }, 10s));
    auto code = json_at(created.body, "/code").value();
    WsClient agent(hub.port());
    auto welcome = onboard(agent, code, "durable");
    INFO("round " << round << ": " << welcome.code);
    REQUIRE(welcome.type == "welcome");
    auto redis_children = children_of(hub.pid());
    REQUIRE(redis_children.size() == 1);
    REQUIRE(kill(redis_children.front(), SIGKILL) == 0);
    // Back once the hub has started a new redis-server and reconnected to it.
    REQUIRE(eventually(
        [&] {
          auto now = children_of(hub.pid());
          return now.size() == 1 && now.front() != redis_children.front() &&
                 http_request(hub.port(), "GET", "/readyz", "", {}, 1s).status == 200;
        },
        15s));
    // Each shard has its own link to Redis: the one that answers may still be reconnecting.
    HttpReply invite;
    REQUIRE(eventually([&] { return (invite = http_request(hub.port(), "GET", "/v1/invites/" + code, "", admin)).status == 200; }, 10s));
    INFO(invite.body);
    CHECK(json_at(invite.body, "/status") == std::optional<std::string>("redeemed"));
    CHECK(json_at(invite.body, "/redeemed_by") == std::optional<std::string>(welcome.agent->id));
    std::string refusal;
    CHECK(eventually([&] {
      WsClient again(hub.port());
      refusal = onboard(again, code, "twice").code;
      return refusal != "unavailable";
    }, 10s));
    CHECK(refusal == "invalid_code");
  }
  auto listed = http_request(hub.port(), "GET", "/v1/colonies/c1/agents", "", admin);
  CHECK(json_at(listed.body, "/agents/4/id") == std::optional<std::string>("durable-5"));
}

TEST_CASE("an agent left online with no frame for the TTL and no live hub holding it is put offline (timeout)",
          "[redis-faults][ghost]") {
  HubFixture f({"--ghost-sweep-period", "1"});  // --presence-ttl 2
  WsClient watcher(f.hub.port());
  watcher.send(watch_request("c1", f.hub.admin_token()));
  watcher.expect("snapshot");
  {
    WsClient agent(f.hub.port());
    REQUIRE(onboard(agent, f.create_invite("c1"), "ghost").type == "welcome");
    CHECK(watcher.expect("event").event == "join");
  }
  auto closed = watcher.expect("event");
  REQUIRE(closed.reason == std::optional<std::string>("closed"));
  // What a bug could leave behind: the agent online, its only socket held by a hub instance that
  // no registry lists, and no "alive" key. No sweep of lost hubs would ever find it.
  const std::string dead_instance = "gone#AAAAAAAAAAAA", connection = dead_instance + "/0/1";
  f.redis.command({"HSET", "mi:test:{c:c1}:agent:ghost", "status", "online"});
  f.redis.command({"HSET", "mi:test:{c:c1}:conns:ghost", connection, dead_instance});
  f.redis.command({"HSET", "mi:test:{c:c1}:connections", connection, "ghost"});
  const auto planted_at = Clock::now();
  auto offline = watcher.expect("event", 10s);
  CHECK(offline.event == "offline");
  CHECK(offline.reason == std::optional<std::string>("timeout"));
  CHECK(offline.agent->id == "ghost");
  CHECK(offline.seq == closed.seq + 1);
  // The TTL since the socket's "alive" key was set, then a round of the ghost sweep, and slack.
  CHECK(Clock::now() - planted_at < 2s + 1s + 2s);
  CHECK(f.redis.command({"EXISTS", "mi:test:{c:c1}:conns:ghost"}).integer == 0);
  CHECK(f.redis.command({"HEXISTS", "mi:test:{c:c1}:connections", connection}).integer == 0);
}

TEST_CASE("a hello that got no answer while Redis stalled changes nothing when Redis runs it late",
          "[redis-faults][abandoned]") {
  TestRedis redis;
  HubOptions options;
  options.redis_url = redis.process.url();
  options.presence_ttl = "30";  // nothing here may depend on the TTL or the ghost sweep
  options.extra_args = {"--redis-timeout", "1"};
  HubProcess hub(options);
  const std::map<std::string, std::string> admin = {{"authorization", "Bearer " + hub.admin_token()}};
  std::string token;
  {
    WsClient agent(hub.port());
    const auto welcome = onboard(agent, create_invite(hub, "c1"), "abandoned");
    REQUIRE(welcome.type == "welcome");
    token = welcome.token.value();
  }
  const auto status = [&] {
    return json_at(http_request(hub.port(), "GET", "/v1/colonies/c1/agents", "", admin).body, "/agents/0/status");
  };
  REQUIRE(eventually([&] { return status() == std::optional<std::string>("offline"); }));
  // A first hello, so that Redis knows the script: a script Redis has not loaded yet would fail
  // with NOSCRIPT when it ran late, and test nothing.
  say_hello_once(hub, token);
  REQUIRE(eventually([&] { return status() == std::optional<std::string>("offline"); }));
  WsClient watcher(hub.port());
  watcher.send(watch_request("c1", hub.admin_token()));
  watcher.expect("snapshot", 10s);

  // The hello is written to Redis' socket while it is stopped; the hub gives up on it after
  // --redis-timeout and drops that link, but Redis still runs it when it resumes.
  REQUIRE(kill(redis.process.pid(), SIGSTOP) == 0);
  {
    WsClient agent(hub.port());
    agent.send(R"({"type":"hello","token":")" + token + R"("})");
    const auto refused = agent.expect("error", 10s);
    CHECK(refused.code == "unavailable");
  }
  REQUIRE(kill(redis.process.pid(), SIGCONT) == 0);
  REQUIRE(eventually([&] { return http_request(hub.port(), "GET", "/readyz").status == 200; }, 10s));

  // Past its deadline the hello changes nothing, and the hub's end of that connection finds
  // nothing to end: no online, no offline. A barrier (another agent's join, after both) before
  // the last look.
  WsClient later(hub.port());
  REQUIRE(eventually([&] { return onboard(later, create_invite(hub, "c1"), "later").type == "welcome"; }, 10s));
  for (;;) {
    const auto event = watcher.expect("event", 10s);
    INFO("event " << event.event);
    CHECK(event.event != "online");
    CHECK(event.event != "offline");
    if (event.event == "join") break;
  }
  auto agents = http_request(hub.port(), "GET", "/v1/colonies/c1/agents", "", admin);
  INFO(agents.body);
  CHECK(json_at(agents.body, "/agents/0/id") == std::optional<std::string>("abandoned"));
  CHECK(json_at(agents.body, "/agents/0/status") == std::optional<std::string>("offline"));
}

TEST_CASE("a hello Redis runs after its hub gave up on it changes nothing, whoever ends it",
          "[redis-faults][abandoned]") {
  // The same stall, but the hub is killed before Redis resumes, so that the late hello is
  // certainly the last word: only its deadline keeps the agent from going online.
  TestRedis redis;
  HubOptions options;
  options.redis_url = redis.process.url();
  options.presence_ttl = "30";
  options.extra_args = {"--redis-timeout", "1"};
  HubProcess hub(options);
  const auto token = onboard_and_leave(hub, "late");
  const std::string prefix = "mi:test:{c:c1}:";
  const auto offline = [&] { return redis.command({"HGET", prefix + "agent:late", "status"}).str == "offline"; };
  REQUIRE(eventually(offline));
  // A first hello, so that Redis knows the script: a script Redis has not loaded yet would fail
  // with NOSCRIPT when it ran late, and test nothing.
  say_hello_once(hub, token);
  REQUIRE(eventually(offline));
  const auto events_before = redis.command({"XLEN", prefix + "events"}).integer;

  REQUIRE(kill(redis.process.pid(), SIGSTOP) == 0);
  {
    WsClient agent(hub.port());
    agent.send(R"({"type":"hello","token":")" + token + R"("})");
    CHECK(agent.expect("error", 10s).code == "unavailable");
  }
  hub.kill();
  REQUIRE(kill(redis.process.pid(), SIGCONT) == 0);
  // The hello waited in Redis' socket before this PING was sent: Redis has run it by the reply.
  REQUIRE(redis.command({"PING"}).str == "PONG");
  CHECK(redis.command({"HGET", prefix + "agent:late", "status"}).str == "offline");
  CHECK(redis.command({"HLEN", prefix + "connections"}).integer == 0);
  CHECK(redis.command({"XLEN", prefix + "events"}).integer == events_before);
}

TEST_CASE("a connection ended before Redis ran its connect never comes online (the tombstone)",
          "[redis-faults][abandoned]") {
  HubFixture f;
  std::string token;
  {
    WsClient agent(f.hub.port());
    const auto welcome = onboard(agent, f.create_invite("c1"), "late");
    REQUIRE(welcome.type == "welcome");
    token = welcome.token.value();
  }
  const auto secret = token.substr(token.rfind(':') + 1);  // "<colony>:<agent>:<secret>"
  const std::string prefix = "mi:test:{c:c1}:";
  REQUIRE(eventually([&] { return f.redis.command({"HGET", prefix + "agent:late", "status"}).str == "offline"; }));
  const auto eval = [&](const char* script, std::vector<std::string> args) {
    std::vector<std::string> command{"EVAL", mi::redis::builtin_scripts().find(script)->text, "1", prefix};
    command.insert(command.end(), args.begin(), args.end());
    return f.redis.command(command);
  };
  // The hub ends the connection it gave up on first; the connect it had sent runs after.
  CHECK(eval("agent_disconnect", {"gone#1", "closed", "0", "1000", "100", "60000"}).integer == 0);
  CHECK(f.redis.command({"PTTL", prefix + "ended:gone#1"}).integer > 0);
  const auto late = eval("agent_connect", {"late", mi::hub::sha256_hex(secret), "gone#1", "hub#x", "2000",
                                           "100", "", "30000"});
  REQUIRE(late.is_array());
  CHECK(late.elements[0].str == "ended");
  CHECK(f.redis.command({"HGET", prefix + "agent:late", "status"}).str == "offline");
  CHECK(f.redis.command({"HEXISTS", prefix + "connections", "gone#1"}).integer == 0);
  // A hello or redemption that Redis runs past its deadline (on Redis' clock) changes nothing.
  const auto redis_time = f.redis.command({"TIME"});
  const auto redis_ms = std::stoll(redis_time.elements[0].str) * 1000 + std::stoll(redis_time.elements[1].str) / 1000;
  const auto past = std::to_string(redis_ms - 1000);
  const auto too_late = eval("agent_connect", {"late", mi::hub::sha256_hex(secret), "late#2", "hub#x", "2000", "100",
                                               "", "30000", past});
  REQUIRE(too_late.is_array());
  CHECK(too_late.elements[0].str == "ended");
  CHECK(f.redis.command({"HGET", prefix + "agent:late", "status"}).str == "offline");
  const auto in_time = eval("agent_connect", {"late", mi::hub::sha256_hex(secret), "late#3", "hub#x", "2000", "100",
                                              "", "30000", std::to_string(redis_ms + 60000)});
  REQUIRE(in_time.is_array());
  CHECK(in_time.elements[0].str == "ok");
  const auto code = f.create_invite("c1");
  const auto redeemed_late = eval("redeem_invite", {code, "", "2000", "ab", "late#4", "hub#x", "c1", "100", "30000",
                                                    past});
  REQUIRE(redeemed_late.is_array());
  CHECK(redeemed_late.elements[0].str == "ended");
  CHECK(f.redis.command({"HGET", prefix + "invite:" + code, "status"}).str == "active");
  // A disconnect without a tombstone TTL (the sweeps') leaves none.
  CHECK(eval("agent_disconnect", {"gone#2", "hub_lost", "0", "1000", "100"}).integer == 0);
  CHECK(f.redis.command({"EXISTS", prefix + "ended:gone#2"}).integer == 0);
}

TEST_CASE("a Redis link that reaches another server re-asserts the agents the hub holds and re-ends the rest",
          "[redis-faults][server-change]") {
  // A failover behind a fixed address to a replica that missed the last hello and the last close:
  // the hub's own registration was replicated long before, so only the change of server tells it.
  TestRedis first;
  TestRedis second;
  TcpProxy relay(first.endpoint().port);
  HubOptions options;
  options.redis_url = "redis://127.0.0.1:" + std::to_string(relay.port());
  options.presence_ttl = "30";  // nothing here may depend on the TTL or the ghost sweep
  options.extra_args = {"--redis-timeout", "1"};
  HubProcess hub(options);
  const auto token = onboard_and_leave(hub, "kept");
  const std::string prefix = "mi:test:{c:c1}:";
  const auto status_in = [&](TestRedis& redis, const std::string& agent) {
    return redis.command({"HGET", prefix + "agent:" + agent, "status"}).str;
  };
  REQUIRE(eventually([&] { return status_in(first, "kept") == "offline"; }));
  WsClient leaving(hub.port());
  REQUIRE(onboard(leaving, create_invite(hub, "c1"), "gone").type == "welcome");

  // The second server becomes a copy of the first as it is now ("kept" offline, "gone" online),
  // then stops following it: the replica that will be promoted without what comes next.
  second.command({"REPLICAOF", "127.0.0.1", std::to_string(first.endpoint().port)});
  REQUIRE(eventually([&] { return status_in(second, "gone") == "online"; }, 10s));
  REQUIRE(second.command({"REPLICAOF", "NO", "ONE"}).str == "OK");

  WsClient agent(hub.port());
  agent.send(R"({"type":"hello","token":")" + token + R"("})");
  REQUIRE(agent.expect("welcome").type == "welcome");
  leaving.close();
  REQUIRE(eventually([&] { return status_in(first, "gone") == "offline"; }));
  REQUIRE(status_in(first, "kept") == "online");
  REQUIRE(status_in(second, "kept") == "offline");
  REQUIRE(status_in(second, "gone") == "online");

  relay.retarget(second.endpoint().port);
  REQUIRE(relay.drop_all() > 0);
  // Presence true within 5 s of Redis answering again (docs/protocol.md section 6).
  CHECK(eventually([&] {
    agent.send_ping();
    return status_in(second, "kept") == "online" && status_in(second, "gone") == "offline";
  }, 5s));
  CHECK(second.command({"HGET", prefix + "agent:gone", "offline_reason"}).str == "closed");
  CHECK(hub.log().find("reached another server") != std::string::npos);
}
