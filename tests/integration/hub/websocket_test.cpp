// The WebSocket rules that hold for every client: first message, errors that keep the socket,
// the size limit, origins, pings, and shutting down. Real hub, real Redis.

#include <catch2/catch.hpp>

#include <chrono>

#include "tests/support/eventually.hpp"
#include "tests/support/hub_fixture.hpp"
#include "tests/support/json_pointer.hpp"
#include "tests/support/ws_client.hpp"

using namespace mi::test;

TEST_CASE("before onboard, hello or watch every request is unauthorized", "[ws][auth]") {
  HubFixture f;
  WsClient client(f.hub.port());
  REQUIRE(client.ok());
  for (std::string request : {R"({"type":"ping","id":1})", R"({"type":"heartbeat"})", R"({"type":"chat","text":"hi"})",
                              R"({"type":"clone"})", R"({"type":"status","meta":{}})"}) {
    client.send(request);
    auto error = client.expect("error");
    CHECK(error.code == "unauthorized");
  }
  // However malformed: a type that cannot come first, or none at all.
  for (std::string request : {R"({"type":"status"})", R"({"type":"chat"})", R"({"type":"foo","id":2})", R"({"id":5})"}) {
    client.send(request);
    auto error = client.expect("error");
    CHECK(error.code == "unauthorized");
  }
  client.send_binary("\x01\x02");
  CHECK(client.expect("error").code == "unauthorized");
  // A first message with a bad field says what is wrong with it.
  client.send(R"({"type":"hello"})");
  CHECK(client.expect("error").code == "bad_request");
  // Still usable.
  auto welcome = onboard(client, f.create_invite("c1"));
  CHECK(welcome.type == "welcome");
}

TEST_CASE("no first message within the auth timeout closes the socket", "[ws][auth]") {
  HubFixture f({"--auth-timeout", "0.5"});
  // Timed from before the connection, so that a slow connect cannot eat into the bound.
  auto start = std::chrono::steady_clock::now();
  WsClient idle(f.hub.port());
  REQUIRE(idle.ok());
  auto code = idle.wait_closed(std::chrono::seconds(5));
  CHECK(code == 1008);
  CHECK(std::chrono::steady_clock::now() - start >= std::chrono::milliseconds(400));
}

TEST_CASE("ping gets pong with the id and the time", "[ws]") {
  HubFixture f;
  WsClient agent(f.hub.port());
  REQUIRE(onboard(agent, f.create_invite("c1")).type == "welcome");
  agent.send(R"({"type":"ping","id":7})");
  auto pong = agent.expect("pong");
  CHECK(pong.id_json == std::optional<std::string>("7"));
  agent.send(R"({"type":"ping","id":"abc"})");
  CHECK(agent.expect("pong").id_json == std::optional<std::string>("\"abc\""));
  agent.send(R"({"type":"heartbeat"})");
  agent.send(R"({"type":"ping"})");
  auto plain = agent.expect("pong");
  CHECK(!plain.id_json);
  // heartbeat has no reply: the next message is the pong.
}

TEST_CASE("malformed messages get bad_json or bad_request and the socket stays open", "[ws][errors]") {
  HubFixture f;
  WsClient agent(f.hub.port());
  for (std::string text : {std::string("{not json"), std::string("[1,2,3]"), std::string("\"just a string\""),
                           std::string("{\"type\":\"x\"} trailing")}) {
    agent.send(text);
    auto error = agent.expect("error");
    CHECK(error.code == "bad_json");
  }
  agent.send(R"({"type":"onboard"})");
  CHECK(agent.expect("error").code == "bad_request");
  // Invalid UTF-8 in a text frame is a WebSocket protocol error (RFC 6455 section 8.1): 1007.
  WsClient broken(f.hub.port());
  broken.send("{\"type\":\"a\xff\"}");
  CHECK(broken.wait_closed() == 1007);
  REQUIRE(onboard(agent, f.create_invite("c1")).type == "welcome");
  for (std::string text : {std::string(R"({"no_type":1})"), std::string(R"({"type":"teleport","id":3})"),
                           std::string(R"({"type":"status"})"), std::string(R"({"type":5})")}) {
    agent.send(text);
    auto error = agent.expect("error");
    CHECK(error.code == "bad_request");
  }
  agent.send(R"({"type":"teleport","id":3})");
  CHECK(agent.expect("error").id_json == std::optional<std::string>("3"));
  agent.send(R"({"type":"ping","id":1})");
  CHECK(agent.expect("pong").id_json == std::optional<std::string>("1"));
}

TEST_CASE("a message over the size limit closes the socket with 1009; others are unaffected", "[ws][limits]") {
  HubFixture f;
  WsClient bystander(f.hub.port());
  REQUIRE(onboard(bystander, f.create_invite("c1"), "bystander").type == "welcome");
  WsClient big(f.hub.port());
  REQUIRE(big.ok());
  big.send(R"({"type":"chat","text":")" + std::string(64 * 1024 + 10, 'x') + R"("})");
  CHECK(big.wait_closed() == 1009);
  // Just under the limit is a normal message (here: refused as unauthorized, socket open).
  WsClient under(f.hub.port());
  under.send(R"({"type":"heartbeat","pad":")" + std::string(60 * 1024, 'x') + R"("})");
  CHECK(under.expect("error").code == "unauthorized");
  bystander.send(R"({"type":"ping","id":2})");
  CHECK(bystander.expect("pong").id_json == std::optional<std::string>("2"));
}

TEST_CASE("a browser origin must be allowed; agents without Origin always are", "[ws][origin]") {
  HubFixture f({"--public-url", "https://hub.example.test"});
  WsClient::Options evil;
  evil.origin = "https://evil.example";
  WsClient refused(f.hub.port(), evil);
  CHECK(refused.handshake_status() == 403);
  CHECK(!refused.ok());

  WsClient::Options public_origin;
  public_origin.origin = "https://hub.example.test";
  CHECK(WsClient(f.hub.port(), public_origin).ok());

  WsClient::Options same_host;
  same_host.origin = "http://127.0.0.1:" + std::to_string(f.hub.port());
  CHECK(WsClient(f.hub.port(), same_host).ok());

  CHECK(WsClient(f.hub.port()).ok());
}

TEST_CASE("--allowed-origins replaces the default list, compared exactly", "[ws][origin]") {
  HubFixture f({"--allowed-origins", "https://a.example,https://b.example"});
  auto with_origin = [&](std::string origin) {
    WsClient::Options options;
    options.origin = std::move(origin);
    return WsClient(f.hub.port(), options).handshake_status();
  };
  CHECK(with_origin("https://a.example") == 101);
  CHECK(with_origin("https://b.example") == 101);
  CHECK(with_origin("https://a.example.evil") == 403);
  CHECK(with_origin("http://127.0.0.1:" + std::to_string(f.hub.port())) == 403);
}

TEST_CASE("SIGTERM closes sessions with 1012, puts agents offline and exits 0", "[ws][drain]") {
  TestRedis redis;
  auto hub = std::make_unique<HubProcess>(hub_options(redis, {}));
  auto admin = [&](const std::string& method, const std::string& target, const std::string& body = "") {
    return http_request(hub->port(), method, target, body, {{"authorization", "Bearer " + hub->admin_token()}});
  };
  auto code = json_at(admin("POST", "/v1/colonies/c1/invites").body, "/code").value();
  WsClient agent(hub->port());
  REQUIRE(onboard(agent, code, "jared").type == "welcome");
  WsClient pending(hub->port());
  REQUIRE(pending.ok());

  hub->send_sigterm();
  CHECK(agent.wait_closed() == 1012);
  CHECK(pending.wait_closed() == 1012);
  CHECK(hub->wait_exit() == 0);
  CHECK(redis.command({"HGET", "mi:test:{c:c1}:agent:jared", "status"}).str == "offline");
  auto events = redis.command({"XRANGE", "mi:test:{c:c1}:events", "-", "+"});
  REQUIRE(events.elements.size() == 2);
  auto offline = events.elements[1].elements[1].elements[1].str;
  CHECK(json_at(offline, "/event") == std::optional<std::string>("offline"));
  CHECK(json_at(offline, "/reason") == std::optional<std::string>("drained"));
  // A clean exit leaves the registry of hubs: nothing for the others to sweep.
  CHECK(redis.command({"SCARD", "mi:test:{hubs}:all"}).integer == 0);
  CHECK(redis.command({"EXISTS", "mi:test:{hubs}:conns:" + hub->instance()}).integer == 0);
}

TEST_CASE("an agent whose last socket closes goes offline with reason closed; two sockets are one presence", "[ws][presence]") {
  HubFixture f;
  auto welcome_token = [&] {
    WsClient first(f.hub.port());
    auto token = onboard(first, f.create_invite("c1"), "jared").token.value();
    first.close();
    return token;
  }();
  auto status = [&] { return f.redis.command({"HGET", "mi:test:{c:c1}:agent:jared", "status"}).str; };
  auto wait_for_status = [&](const std::string& wanted) {
    eventually([&] { return status() == wanted; }, 2s);
    return status();
  };
  auto open_sockets = [&] { return f.redis.command({"HLEN", "mi:test:{c:c1}:conns:jared"}).integer; };
  CHECK(wait_for_status("offline") == "offline");
  WsClient a(f.hub.port()), b(f.hub.port());
  a.send(R"({"type":"hello","token":")" + welcome_token + R"("})");
  a.expect("welcome");
  b.send(R"({"type":"hello","token":")" + welcome_token + R"("})");
  b.expect("welcome");
  CHECK(status() == "online");
  CHECK(open_sockets() == 2);
  a.close();
  // Once a's socket is off the agent's list, the hub has run the disconnect, which is also what
  // would have put the agent offline: from then on the status says what the close did.
  REQUIRE(eventually([&] { return open_sockets() == 1; }));
  CHECK(status() == "online");
  b.drop();
  CHECK(wait_for_status("offline") == "offline");
  // join, offline (closed), online, offline (closed): nothing for the second socket.
  CHECK(f.redis.command({"XLEN", "mi:test:{c:c1}:events"}).integer == 4);
}
