// Onboarding and hello over the WebSocket (docs/protocol.md section 3, agents), on a real hub and Redis.

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <thread>

#include "tests/support/eventually.hpp"
#include "tests/support/hub_fixture.hpp"
#include "tests/support/json_pointer.hpp"
#include "tests/support/ws_client.hpp"

using namespace mi::test;

TEST_CASE("an agent onboards with a code: welcome, token, remote and online, code consumed", "[onboard]") {
  HubFixture f;
  auto code = f.create_invite("c1", "agent", "for jared");
  WsClient agent(f.hub.port());
  REQUIRE(agent.ok());
  agent.send(R"({"type":"onboard","id":"req-1","code":")" + code + R"(","name":"jared"})");
  auto welcome = agent.expect("welcome");
  CHECK(welcome.id_json == std::optional<std::string>("\"req-1\""));
  CHECK(welcome.colony == "c1");
  REQUIRE(welcome.agent);
  CHECK(welcome.agent->id == "jared");
  CHECK(welcome.agent->colony == "c1");
  CHECK(welcome.agent->kind == "remote");
  CHECK(welcome.agent->status == "online");
  CHECK(welcome.agent->invite == std::optional<std::string>(code));
  CHECK(!welcome.agent->clone_of);
  CHECK(welcome.agent->meta_json == "{}");
  REQUIRE(welcome.token);
  CHECK(welcome.token->size() > 32);

  auto invite = f.admin("GET", "/v1/invites/" + code);
  CHECK(json_at(invite.body, "/status") == std::optional<std::string>("redeemed"));
  CHECK(json_at(invite.body, "/redeemed_by") == std::optional<std::string>("jared"));

  // The token is stored only as a hash.
  auto stored = f.redis.command({"HGET", "mi:test:{c:c1}:agent:jared", "token_sha256"});
  CHECK(stored.str.size() == 64);
  CHECK(welcome.token->find(stored.str) == std::string::npos);

  // A code is case-insensitive, and single use.
  WsClient second(f.hub.port());
  std::string lower = code;
  for (auto& c : lower) c = static_cast<char>(c - 'A' + 'a');
  auto refused = onboard(second, lower, "other");
  CHECK(refused.type == "error");
  CHECK(refused.code == "invalid_code");
}

TEST_CASE("onboarding with a lower-case code works", "[onboard]") {
  HubFixture f;
  auto code = f.create_invite("c1");
  for (auto& c : code) c = static_cast<char>(c - 'A' + 'a');
  WsClient agent(f.hub.port());
  auto welcome = onboard(agent, code);
  CHECK(welcome.type == "welcome");
  REQUIRE(welcome.agent);
  CHECK(welcome.agent->id == "agent");
}

TEST_CASE("50 concurrent redemptions of one code: exactly one agent joins", "[onboard][concurrency]") {
  HubFixture f({"--onboard-fail-limit", "1000", "--onboard-fail-delay", "0.05"});
  auto code = f.create_invite("c1");
  constexpr int kAgents = 50;
  std::vector<std::unique_ptr<WsClient>> clients;
  for (int i = 0; i < kAgents; ++i) {
    clients.push_back(std::make_unique<WsClient>(f.hub.port()));
    REQUIRE(clients.back()->ok());
  }
  for (int i = 0; i < kAgents; ++i) {
    clients[i]->send(R"({"type":"onboard","code":")" + code + R"(","name":"racer-)" + std::to_string(i) + R"("})");
  }
  int welcomes = 0;
  int invalid = 0;
  for (auto& client : clients) {
    auto text = client->receive(std::chrono::seconds(10));
    REQUIRE(text);
    auto message = mi::protocol::parse_server_message(*text);
    REQUIRE(message);
    if (message->type == "welcome") ++welcomes;
    if (message->type == "error" && message->code == "invalid_code") ++invalid;
  }
  CHECK(welcomes == 1);
  CHECK(invalid == kAgents - 1);
  auto agents = f.admin("GET", "/v1/colonies/c1/agents");
  CHECK(json_array_size(agents.body, "/agents") == 1);
  CHECK(f.redis.command({"XLEN", "mi:test:{c:c1}:events"}).integer == 1);
}

TEST_CASE("bad codes all answer invalid_code with the same message; human invites wrong_invite_type", "[onboard][errors]") {
  HubFixture f({"--onboard-fail-limit", "100"});
  auto revoked = f.create_invite("c1");
  REQUIRE(f.admin("POST", "/v1/invites/" + revoked + "/revoke").status == 200);
  auto used = f.create_invite("c1");
  WsClient first(f.hub.port());
  REQUIRE(onboard(first, used).type == "welcome");
  auto human = f.create_invite("c1", "human");

  WsClient agent(f.hub.port());
  std::string message;
  for (std::string code : {std::string("QQQQQQ"), revoked, used, std::string("nope"), std::string("ABC123")}) {
    auto reply = onboard(agent, code);
    CHECK(reply.type == "error");
    CHECK(reply.code == "invalid_code");
    if (message.empty()) message = reply.message;
    CHECK(reply.message == message);
  }
  CHECK(message.find("already been used") != std::string::npos);
  CHECK(message.find("revoked") != std::string::npos);
  CHECK(message.find("environment") != std::string::npos);
  CHECK(message.find("admin panel") != std::string::npos);

  auto wrong = onboard(agent, human);
  CHECK(wrong.type == "error");
  CHECK(wrong.code == "wrong_invite_type");
  CHECK(wrong.message.find("human invite") != std::string::npos);
  CHECK(wrong.message.find("Agent Invite") != std::string::npos);
  // A human invite is not consumed by the refused attempt.
  CHECK(json_at(f.admin("GET", "/v1/invites/" + human).body, "/status") == std::optional<std::string>("active"));

  // The socket stayed open through every failure: a valid code still works on it.
  auto welcome = onboard(agent, f.create_invite("c1"));
  CHECK(welcome.type == "welcome");
}

TEST_CASE("a bad code answers no sooner than the failure delay, whatever the cause", "[onboard][errors]") {
  HubFixture f({"--onboard-fail-delay", "0.3", "--onboard-fail-limit", "100"});
  auto used = f.create_invite("c1");
  WsClient first(f.hub.port());
  REQUIRE(onboard(first, used).type == "welcome");
  WsClient agent(f.hub.port());
  for (std::string code : {std::string("QQQQQQ"), used}) {
    auto start = std::chrono::steady_clock::now();
    CHECK(onboard(agent, code).code == "invalid_code");
    CHECK(std::chrono::steady_clock::now() - start >= std::chrono::milliseconds(300));
  }
}

TEST_CASE("invites of one environment are invisible to another on the same Redis", "[onboard][env]") {
  TestRedis redis;
  HubProcess dev(hub_options(redis, {}, "dev"));
  HubProcess production(hub_options(redis, {}, "production"));
  auto created = http_request(dev.port(), "POST", "/v1/colonies/c1/invites", "{}",
                              {{"authorization", "Bearer " + dev.admin_token()}});
  auto code = json_at(created.body, "/code").value();

  auto lookup = http_request(production.port(), "GET", "/v1/invites/" + code, "",
                             {{"authorization", "Bearer " + production.admin_token()}});
  CHECK(lookup.status == 404);
  WsClient in_production(production.port());
  auto refused = onboard(in_production, code);
  CHECK(refused.code == "invalid_code");
  WsClient in_dev(dev.port());
  CHECK(onboard(in_dev, code).type == "welcome");
}

TEST_CASE("a taken name gets the next free name-N", "[onboard][names]") {
  HubFixture f;
  std::vector<std::unique_ptr<WsClient>> agents;
  std::vector<std::string> ids;
  for (int i = 0; i < 4; ++i) {
    agents.push_back(std::make_unique<WsClient>(f.hub.port()));
    auto welcome = onboard(*agents.back(), f.create_invite("c1"), "jared");
    REQUIRE(welcome.agent);
    ids.push_back(welcome.agent->id);
  }
  CHECK(ids == std::vector<std::string>{"jared", "jared-2", "jared-3", "jared-4"});
  // Names are per colony, and the default name is "agent".
  WsClient elsewhere(f.hub.port());
  CHECK(onboard(elsewhere, f.create_invite("c2"), "jared").agent->id == "jared");
  WsClient unnamed(f.hub.port());
  CHECK(onboard(unnamed, f.create_invite("c2")).agent->id == "agent");
  // A long name keeps the id within 63 characters.
  std::string long_name(63, 'x');
  WsClient long1(f.hub.port()), long2(f.hub.port());
  CHECK(onboard(long1, f.create_invite("c3"), long_name).agent->id == long_name);
  CHECK(onboard(long2, f.create_invite("c3"), long_name).agent->id == std::string(61, 'x') + "-2");
  // Invalid names are refused before the code is spent.
  WsClient bad(f.hub.port());
  auto code = f.create_invite("c1");
  auto refused = onboard(bad, code, "Jared!");
  CHECK(refused.code == "bad_request");
  CHECK(onboard(bad, code, "ok-name").type == "welcome");
}

TEST_CASE("hello with the token brings the agent back; a bad token is unauthorized", "[hello]") {
  HubFixture f;
  std::string token;
  {
    WsClient agent(f.hub.port());
    auto welcome = onboard(agent, f.create_invite("c1"), "jared");
    token = welcome.token.value();
    agent.close();
  }
  WsClient again(f.hub.port());
  again.send(R"({"type":"hello","id":7,"token":")" + token + R"("})");
  auto welcome = again.expect("welcome");
  CHECK(welcome.id_json == std::optional<std::string>("7"));
  REQUIRE(welcome.agent);
  CHECK(welcome.agent->id == "jared");
  CHECK(welcome.agent->status == "online");
  CHECK(!welcome.token);

  WsClient intruder(f.hub.port());
  for (std::string bad : {token.substr(0, token.size() - 1) + "x", std::string("garbage"), std::string("c1:jared:"),
                          std::string("c1:nobody:abc")}) {
    intruder.send(R"({"type":"hello","token":")" + bad + R"("})");
    auto error = intruder.expect("error");
    CHECK(error.code == "unauthorized");
  }
  // Still open after the failures: the right token works.
  intruder.send(R"({"type":"hello","token":")" + token + R"("})");
  CHECK(intruder.expect("welcome").agent->id == "jared");
}

TEST_CASE("failed onboards are budgeted per address and for the system", "[onboard][rate-limit]") {
  HubFixture f({"--onboard-fail-limit", "3", "--onboard-fail-limit-global", "5", "--onboard-fail-delay", "0.01"});
  WsClient guesser(f.hub.port());
  for (int i = 0; i < 3; ++i) CHECK(onboard(guesser, "QQQQQQ").code == "invalid_code");
  auto limited = onboard(guesser, "QQQQQQ");
  CHECK(limited.code == "rate_limited");
  // Over its budget, even a valid code is refused for this address...
  auto code = f.create_invite("c1");
  CHECK(onboard(guesser, code).code == "rate_limited");
  // ...while another address within its budget still gets in.
  WsClient::Options other;
  other.source_address = "127.0.0.2";
  WsClient honest(f.hub.port(), other);
  REQUIRE(honest.ok());
  CHECK(onboard(honest, code).type == "welcome");
  // Two more failures from a third address use up the global budget of 5: everyone is refused.
  WsClient::Options third;
  third.source_address = "127.0.0.3";
  WsClient another(f.hub.port(), third);
  CHECK(onboard(another, "QQQQQQ").code == "invalid_code");
  CHECK(onboard(another, "QQQQQQ").code == "invalid_code");
  WsClient::Options fourth;
  fourth.source_address = "127.0.0.4";
  WsClient late(f.hub.port(), fourth);
  CHECK(onboard(late, f.create_invite("c1")).code == "rate_limited");
}

TEST_CASE("a refused onboard is not counted as a failure, and says when to try again", "[onboard][rate-limit]") {
  HubFixture f({"--onboard-fail-limit", "3", "--onboard-fail-delay", "0.01"});
  WsClient guesser(f.hub.port());
  for (int i = 0; i < 3; ++i) CHECK(onboard(guesser, "QQQQQQ").code == "invalid_code");
  for (int i = 0; i < 5; ++i) {
    const auto refused = onboard(guesser, "QQQQQQ");
    CHECK(refused.code == "rate_limited");
    REQUIRE(refused.retry_after);
    CHECK(*refused.retry_after >= 1);
    CHECK(*refused.retry_after <= 60);
    CHECK(refused.message.find("try again in " + std::to_string(*refused.retry_after) + " second") !=
          std::string::npos);
  }
  // Only the three judged attempts are in the address's counters, whichever buckets they fell in.
  const auto bucket = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch()).count() / 10'000;
  long long counted = 0;
  for (auto in_bucket = bucket - 7; in_bucket <= bucket + 1; ++in_bucket) {
    const auto count = f.redis.command({"GET", "mi:test:{onboard-failures}:addr:127.0.0.1:" + std::to_string(in_bucket)});
    if (count.is_string()) counted += std::stoll(count.str);
  }
  CHECK(counted == 3);
}

TEST_CASE("failures counted in earlier buckets of the window count; older ones do not", "[onboard][rate-limit]") {
  // The window's arithmetic (which buckets count, its boundaries, when a refusal lifts) is unit-
  // tested with the time given: tests/unit/store/onboard_limiter_test.cpp. Here the hub reads
  // the buckets before the current one, under the names the key schema gives them. Failures
  // are put in the bucket before now's: whether the hub reads in now's bucket or, past a
  // boundary, in the next, that one is in its window, and the one seven back is not.
  HubFixture f({"--onboard-fail-limit", "3", "--onboard-fail-delay", "0.01"});
  auto bucket = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::system_clock::now().time_since_epoch()).count() / 10'000;
  auto failures_of = [](std::int64_t in_bucket) {
    return "mi:test:{onboard-failures}:addr:127.0.0.1:" + std::to_string(in_bucket);
  };
  f.redis.command({"SET", failures_of(bucket - 1), "2"});
  f.redis.command({"SET", failures_of(bucket - 7), "100"});
  WsClient guesser(f.hub.port());
  CHECK(onboard(guesser, "QQQQQQ").code == "invalid_code");
  CHECK(onboard(guesser, "QQQQQQ").code == "rate_limited");
}

TEST_CASE("onboarding while Redis is down answers unavailable, and works once it is back", "[onboard][redis]") {
  HubFixture f;
  auto code = f.create_invite("c1");
  f.redis.process.kill();
  WsClient agent(f.hub.port());
  auto reply = onboard(agent, code);
  CHECK(reply.type == "error");
  CHECK(reply.code == "unavailable");
  f.redis.process.restart();
  // The test Redis has no persistence: the invite is gone with the restart, so make a new one.
  std::string fresh;
  REQUIRE(eventually(
      [&] {
        try {
          fresh = f.create_invite("c1");
        } catch (const std::exception&) {
          // Not reconnected yet.
        }
        return !fresh.empty();
      },
      10s));
  CHECK(onboard(agent, fresh).type == "welcome");
}
