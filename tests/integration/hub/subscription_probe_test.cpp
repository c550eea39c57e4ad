// A wedged event subscription (contract section 6, pub/sub liveness): the subscriber's connection
// stays open but Redis' messages stop reaching the hub. The hub's probe notices, rebuilds the
// subscription, and its watchers get what they missed from the event stream.

#include <catch2/catch.hpp>

#include <chrono>
#include <string>

#include "tests/support/eventually.hpp"
#include "tests/support/hub_process.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/json_pointer.hpp"
#include "tests/support/tcp_proxy.hpp"
#include "tests/support/test_redis.hpp"
#include "tests/support/ws_client.hpp"

using namespace mi::test;
using namespace std::chrono_literals;

namespace {

std::string create_invite(const HubProcess& hub, const std::string& colony) {
  auto reply = http_request(hub.port(), "POST", "/v1/colonies/" + colony + "/invites", "{}",
                            {{"authorization", "Bearer " + hub.admin_token()}});
  return json_at(reply.body, "/code").value();
}

}  // namespace

TEST_CASE("a subscription that stops delivering is noticed by its probe and rebuilt; watchers miss nothing",
          "[pubsub-probe]") {
  TestRedis redis;
  TcpProxy relay(redis.endpoint().port);
  HubOptions options;
  options.redis_url = "redis://127.0.0.1:" + std::to_string(relay.port());
  options.presence_ttl = "30";
  options.extra_args = {"--pubsub-probe-period", "0.5", "--redis-timeout", "1"};
  HubProcess hub(options);

  WsClient watcher(hub.port());
  watcher.send(watch_request("c1", hub.admin_token()));
  watcher.expect("snapshot");
  WsClient first(hub.port());
  REQUIRE(onboard(first, create_invite(hub, "c1"), "first").type == "welcome");
  CHECK(watcher.expect("event").event == "join");

  // The subscriber is the one connection that sent SUBSCRIBE; from now on nothing reaches it.
  REQUIRE(relay.freeze_connections_that_sent("SUBSCRIBE") == 1);
  WsClient second(hub.port());
  REQUIRE(onboard(second, create_invite(hub, "c1"), "second").type == "welcome");

  // Published while the subscription was wedged: it comes through the gap fill after the rebuild.
  const auto joined = watcher.expect("event", 10s);
  CHECK(joined.event == "join");
  CHECK(joined.agent->id == "second");
  CHECK(hub.log().find("the event subscription delivered no probe") != std::string::npos);
  const auto metrics = http_request(hub.port(), "GET", "/metrics").body;
  CHECK(metrics.find("\nmi_subscription_rebuilds_total 0\n") == std::string::npos);

  // The new subscription delivers live.
  WsClient third(hub.port());
  REQUIRE(onboard(third, create_invite(hub, "c1"), "third").type == "welcome");
  const auto live = watcher.expect("event", 5s);
  CHECK(live.agent->id == "third");
}
