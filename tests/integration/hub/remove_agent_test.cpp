// Removing an agent (DELETE /v1/colonies/{colony}/agents/{id}, docs/protocol.md section 2.2):
// an offline agent goes, its token stops working, its name is never given again, and watchers
// get "remove"; an online one only with force=true, which closes its sockets with 4003 on
// whichever hub holds them.

#include <catch2/catch.hpp>

#include <map>
#include <string>

#include "tests/support/eventually.hpp"
#include "tests/support/hub_fixture.hpp"
#include "tests/support/json_pointer.hpp"
#include "tests/support/ws_client.hpp"

using namespace mi::test;
using namespace std::chrono_literals;

namespace {

std::string hello(const std::string& token) { return R"({"type":"hello","token":")" + token + R"("})"; }

}  // namespace

TEST_CASE("an offline agent is removed: gone from the list, its token refused, its name kept", "[remove-agent]") {
  HubFixture f;
  std::string token;
  {
    WsClient agent(f.hub.port());
    const auto welcome = onboard(agent, f.create_invite("c1"), "jared");
    REQUIRE(welcome.type == "welcome");
    token = welcome.token.value();
  }
  REQUIRE(eventually([&] {
    return json_at(f.admin("GET", "/v1/colonies/c1/agents").body, "/agents/0/status") == std::optional<std::string>("offline");
  }));
  WsClient watcher(f.hub.port());
  watcher.send(watch_request("c1", f.hub.admin_token()));
  watcher.expect("snapshot");

  auto removed = f.admin("DELETE", "/v1/colonies/c1/agents/jared");
  CHECK(removed.status == 200);
  CHECK(json_at(removed.body, "/removed/id") == std::optional<std::string>("jared"));
  const auto event = watcher.expect("event");
  CHECK(event.event == "remove");
  CHECK(event.agent->id == "jared");

  CHECK(f.admin("GET", "/v1/colonies/c1/agents").body.find(R"("id":"jared")") == std::string::npos);
  CHECK(f.admin("DELETE", "/v1/colonies/c1/agents/jared").status == 404);
  CHECK(f.admin("POST", "/v1/colonies/c1/agents/jared/token").status == 404);
  WsClient again(f.hub.port());
  again.send(hello(token));
  CHECK(again.expect("error").code == "unauthorized");
  // The name is never given again: a newcomer asking for it is renamed.
  WsClient newcomer(f.hub.port());
  const auto welcome = onboard(newcomer, f.create_invite("c1"), "jared");
  REQUIRE(welcome.type == "welcome");
  CHECK(welcome.agent->id == "jared-2");
}

TEST_CASE("an online agent is removed only with force=true, which closes its sockets on every hub with 4003",
          "[remove-agent]") {
  HubFixture f;
  HubProcess other(hub_options(f.redis, {}));
  WsClient agent(other.port());
  const auto welcome = onboard(agent, f.create_invite("c1"), "busy");
  REQUIRE(welcome.type == "welcome");

  auto refused = f.admin("DELETE", "/v1/colonies/c1/agents/busy");
  CHECK(refused.status == 409);
  CHECK(json_at(refused.body, "/error/code") == std::optional<std::string>("agent_online"));
  CHECK(f.admin("DELETE", "/v1/colonies/c1/agents/busy?force=maybe").status == 400);
  CHECK(json_at(f.admin("GET", "/v1/colonies/c1/agents").body, "/agents/0/status") ==
        std::optional<std::string>("online"));

  WsClient watcher(f.hub.port());
  watcher.send(watch_request("c1", f.hub.admin_token()));
  watcher.expect("snapshot");
  CHECK(f.admin("DELETE", "/v1/colonies/c1/agents/busy?force=true").status == 200);
  // The agent's socket is on the other hub, which closes it on the event.
  CHECK(agent.wait_closed(10s) == 4003);
  CHECK(watcher.expect("event").event == "remove");
  // Its end changes nothing: no offline for an agent that is gone. A later event is the barrier.
  WsClient later(f.hub.port());
  REQUIRE(onboard(later, f.create_invite("c1"), "later").type == "welcome");
  const auto next = watcher.expect("event", 10s);
  CHECK(next.event == "join");
  CHECK(next.agent->id == "later");
  CHECK(f.admin("GET", "/v1/colonies/c1/agents").body.find(R"("id":"busy")") == std::string::npos);
}

TEST_CASE("DELETE is the only method on an agent's path, and it is the admin's", "[remove-agent]") {
  HubFixture f;
  auto anonymous = http_request(f.hub.port(), "DELETE", "/v1/colonies/c1/agents/jared");
  CHECK(anonymous.status == 401);
  auto get = f.admin("GET", "/v1/colonies/c1/agents/jared");
  CHECK(get.status == 405);
  CHECK(get.headers["allow"] == "DELETE");
}
