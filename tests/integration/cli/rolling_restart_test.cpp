// A rolling restart of three hubs with `mi agent heartbeat-daemon` agents, as an operator does it
// behind a load balancer: each hub in turn is taken out of rotation (its relay now leads to
// another hub), drained with SIGTERM (its sockets close with 1012, the daemons reconnect through
// the relay) and started again. With the offline grace, no agent flaps: a watcher that follows
// the restarts (resuming with `since`) sees no `offline` and no `online` at all.

#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <vector>

#include "tests/integration/cli/cli_fixture.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/tcp_proxy.hpp"
#include "tests/support/test_redis.hpp"
#include "tests/support/ws_client.hpp"

using namespace mi::test::cli;
using mi::test::json_at;
using mi::test::TcpProxy;
using mi::test::WsClient;

namespace {

std::string watch_from(const std::string& token, std::uint64_t since) {
  return R"({"type":"watch","colony":"c1","token":")" + token + R"(","since":)" + std::to_string(since) + "}";
}

// A watcher that comes back, with `since`, through the relay of a hub that stays up whenever the
// hub it was on drains.
class FollowingWatcher {
 public:
  FollowingWatcher(std::string admin_token, std::uint64_t seq) : admin_token_(std::move(admin_token)), seq_(seq) {}

  void connect(unsigned short port) {
    socket_ = std::make_unique<WsClient>(port);
    socket_->send(watch_from(admin_token_, seq_));
    auto reply = socket_->next_message();
    REQUIRE(reply.type == "resume");
  }

  // The events until the socket closes (a drain) or `until` is seen.
  void read(std::vector<std::string>& seen, const std::string& until = {}) {
    for (;;) {
      auto text = socket_->receive(10s);
      if (!text) return;  // closed, or nothing for 10 s
      auto message = mi::protocol::parse_server_message(*text);
      REQUIRE(message);
      if (message->type != "event") continue;
      CHECK(message->seq == seq_ + 1);
      seq_ = message->seq;
      seen.push_back(message->event + " " + message->agent->id);
      if (!until.empty() && seen.back() == until) return;
    }
  }

 private:
  std::string admin_token_;
  std::uint64_t seq_;
  std::unique_ptr<WsClient> socket_;
};

}  // namespace

TEST_CASE("a rolling restart of three hubs with daemon agents makes no agent flap", "[cli][presence][grace][rolling]") {
  mi::test::TestRedis redis;
  const std::vector<std::string> flags = {"--offline-grace", "5", "--drain-timeout", "2"};
  std::vector<std::unique_ptr<HubOnPort>> hubs;
  std::vector<std::unique_ptr<TcpProxy>> relays;
  for (int i = 0; i < 3; ++i) {
    hubs.push_back(std::make_unique<HubOnPort>(redis.process.url(), "test-admin-token", std::nullopt, flags));
    relays.push_back(std::make_unique<TcpProxy>(hubs.back()->port()));
  }
  auto relay_url = [&](int i) { return "http://127.0.0.1:" + std::to_string(relays[i]->port()); };

  // Nine agents, three behind each hub's relay, each with its own home and daemon.
  std::vector<std::unique_ptr<mi::test::TempDir>> homes;
  std::vector<std::unique_ptr<ChildProcess>> daemons;
  for (int a = 0; a < 9; ++a) {
    homes.push_back(std::make_unique<mi::test::TempDir>("mi-rolling"));
    Env env{{"MI_HUB", relay_url(a % 3)}, {"MI_ADMIN_TOKEN", "test-admin-token"},
            {"MI_HOME", homes.back()->path().string()}, {"HOME", homes.back()->path().string()}};
    auto invite = run_mi({"invite", "--colony", "c1"}, env);
    REQUIRE(invite.exit_code == 0);
    REQUIRE(run_mi({"agent", "onboard", invite.out.substr(0, 6), "--name", "agent-" + std::to_string(a)}, env)
                .exit_code == 0);
    daemons.push_back(start_mi({"agent", "heartbeat-daemon", "--interval", "0.5"}, env));
  }
  // Every daemon connected: nine agents online.
  auto listed = [&] {
    return mi::test::http_request(hubs[0]->port(), "GET", "/v1/colonies/c1/agents", "",
                        {{"authorization", "Bearer test-admin-token"}});
  };
  REQUIRE(mi::test::eventually([&] {
    auto body = listed().body;
    int online = 0;
    for (int i = 0; i < 9; ++i) online += json_at(body, "/agents/" + std::to_string(i) + "/status") == "online";
    return online == 9;
  }, 20s));
  const auto start_seq = std::stoull(json_at(listed().body, "/seq").value());

  std::vector<std::string> seen;
  FollowingWatcher watcher("test-admin-token", start_seq);
  watcher.connect(relays[1]->port());
  int watcher_on = 1;
  for (int h = 0; h < 3; ++h) {
    const int other = (h + 1) % 3;
    relays[h]->retarget(hubs[other]->port());  // out of rotation
    if (watcher_on == h) {
      // The watcher moves first, as a dashboard behind the same balancer would on 1012.
      watcher.connect(relays[other]->port());
      watcher_on = other;
    }
    REQUIRE(hubs[h]->stop() == std::optional<int>(0));
    hubs[h]->start();
    relays[h]->retarget(hubs[h]->port());  // back in rotation
  }

  // The barrier: a tenth agent joins after every restart; the watcher reads up to its join.
  Env env{{"MI_HUB", relay_url(0)}, {"MI_ADMIN_TOKEN", "test-admin-token"}};
  auto invite = run_mi({"invite", "--colony", "c1"}, env);
  REQUIRE(invite.exit_code == 0);
  mi::test::TempDir last_home("mi-rolling");
  env["MI_HOME"] = env["HOME"] = last_home.path().string();
  REQUIRE(run_mi({"agent", "onboard", invite.out.substr(0, 6), "--name", "latecomer"}, env).exit_code == 0);
  watcher.read(seen, "join latecomer");
  REQUIRE(!seen.empty());
  CHECK(seen.back() == "join latecomer");
  for (const auto& event : seen) {
    INFO(event);
    CHECK(event.rfind("offline ", 0) != 0);
    CHECK(event.rfind("online ", 0) != 0);
  }
  // And all nine are online, each with its socket back.
  auto body = listed().body;
  for (int i = 0; i < 9; ++i) {
    INFO(json_at(body, "/agents/" + std::to_string(i) + "/id").value_or("?"));
    CHECK(json_at(body, "/agents/" + std::to_string(i) + "/status") == "online");
  }
  for (auto& daemon : daemons) daemon->signal(SIGINT);
}
