// The HTTP API (docs/protocol.md section 2) against a real mi-hub and redis-server.

#include <catch2/catch.hpp>

#include <cctype>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "protocol/server_message_parser.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/hub_fixture.hpp"
#include "tests/support/json_pointer.hpp"
#include "tests/support/ws_client.hpp"

using namespace mi::test;

namespace {
std::string error_code_of(const HttpReply& reply) { return json_at(reply.body, "/error/code").value_or("<none>"); }
}  // namespace

TEST_CASE("health, readiness and metrics answer without a token", "[http]") {
  HubFixture f;
  auto health = http_request(f.hub.port(), "GET", "/healthz");
  CHECK(health.status == 200);
  auto ready = http_request(f.hub.port(), "GET", "/readyz");
  CHECK(ready.status == 200);
  auto metrics = http_request(f.hub.port(), "GET", "/metrics");
  CHECK(metrics.status == 200);
  CHECK(metrics.headers["content-type"].starts_with("text/plain"));
  CHECK(metrics.body.find("mi_connections_open ") != std::string::npos);
  CHECK(metrics.body.find("mi_redis_commands_total ") != std::string::npos);
}

TEST_CASE("readyz says 503 while Redis is down and 200 once it is back", "[http][redis]") {
  HubFixture f;
  f.redis.process.kill();
  auto down = http_request(f.hub.port(), "GET", "/readyz");
  CHECK(down.status == 503);
  CHECK(error_code_of(down) == "unavailable");
  auto invite = f.admin("POST", "/v1/colonies/c1/invites", "{}");
  CHECK(invite.status == 503);
  CHECK(error_code_of(invite) == "unavailable");
  CHECK(http_request(f.hub.port(), "GET", "/healthz").status == 200);
  f.redis.process.restart();
  CHECK(eventually([&] { return http_request(f.hub.port(), "GET", "/readyz").status == 200; }, 10s));
}

TEST_CASE("an invite is created, read, listed newest first and revoked", "[http][invites]") {
  HubFixture f;
  auto created = f.admin("POST", "/v1/colonies/office-1/invites", R"({"type":"agent","name":"for jared"})");
  REQUIRE(created.status == 201);
  auto invite = mi::protocol::parse_invite(created.body);
  REQUIRE(invite);
  CHECK(invite->code.size() == 6);
  CHECK(std::all_of(invite->code.begin(), invite->code.end(), [](char c) { return c >= 'A' && c <= 'Z'; }));
  CHECK(invite->type == "agent");
  CHECK(invite->colony == "office-1");
  CHECK(invite->name == std::optional<std::string>("for jared"));
  CHECK(invite->status == "active");
  CHECK(invite->created_at > 1'600'000'000'000);
  CHECK(!invite->redeemed_by);
  CHECK(invite->url == f.hub.url() + "/r/" + invite->code);
  CHECK(json_at(created.body, "/redeemed_by") == std::optional<std::string>("null"));

  auto unnamed = f.admin("POST", "/v1/colonies/office-1/invites", "");
  REQUIRE(unnamed.status == 201);
  CHECK(json_at(unnamed.body, "/name") == std::optional<std::string>("null"));
  CHECK(json_at(unnamed.body, "/type") == std::optional<std::string>("agent"));
  auto human = f.admin("POST", "/v1/colonies/office-1/invites", R"({"type":"human"})");
  REQUIRE(human.status == 201);

  auto fetched = f.admin("GET", "/v1/invites/" + invite->code);
  CHECK(fetched.status == 200);
  CHECK(fetched.body == created.body);
  auto lower_case = f.admin("GET", "/v1/invites/" + std::string(1, static_cast<char>(invite->code[0] + 32)) +
                                        invite->code.substr(1));
  CHECK(lower_case.status == 200);

  auto listed = f.admin("GET", "/v1/colonies/office-1/invites");
  REQUIRE(listed.status == 200);
  REQUIRE(json_array_size(listed.body, "/invites") == 3);
  CHECK(json_at(listed.body, "/invites/0/code") == json_at(human.body, "/code"));
  CHECK(json_at(listed.body, "/invites/2/code") == std::optional<std::string>(invite->code));
  auto page = f.admin("GET", "/v1/colonies/office-1/invites?offset=1&limit=1");
  REQUIRE(json_array_size(page.body, "/invites") == 1);
  CHECK(json_at(page.body, "/invites/0/code") == json_at(unnamed.body, "/code"));

  auto revoked = f.admin("POST", "/v1/invites/" + invite->code + "/revoke");
  REQUIRE(revoked.status == 200);
  CHECK(json_at(revoked.body, "/status") == std::optional<std::string>("revoked"));
  CHECK(json_at(f.admin("GET", "/v1/invites/" + invite->code).body, "/status") == std::optional<std::string>("revoked"));
  auto again = f.admin("POST", "/v1/invites/" + invite->code + "/revoke");
  CHECK(again.status == 200);

  CHECK(f.admin("GET", "/v1/colonies/empty-office/invites").body.find("\"invites\":[]") != std::string::npos);
}

TEST_CASE("a redeemed invite cannot be revoked", "[http][invites]") {
  HubFixture f;
  auto code = f.create_invite("c1");
  WsClient agent(f.hub.port());
  REQUIRE(onboard(agent, code, "jared").type == "welcome");
  auto revoke = f.admin("POST", "/v1/invites/" + code + "/revoke");
  CHECK(revoke.status == 409);
  CHECK(error_code_of(revoke) == "already_redeemed");
  auto fetched = f.admin("GET", "/v1/invites/" + code);
  CHECK(json_at(fetched.body, "/status") == std::optional<std::string>("redeemed"));
  CHECK(json_at(fetched.body, "/redeemed_by") == std::optional<std::string>("jared"));
}

TEST_CASE("the onboarding page's invite is the same per session until redeemed or revoked", "[http][invites]") {
  HubFixture f;
  auto first = f.admin("POST", "/v1/colonies/c1/onboard-invite", R"({"session":"browser-1"})");
  REQUIRE(first.status == 200);
  auto code = json_at(first.body, "/code");
  REQUIRE(code);
  CHECK(json_at(first.body, "/type") == std::optional<std::string>("agent"));
  auto refresh = f.admin("POST", "/v1/colonies/c1/onboard-invite", R"({"session":"browser-1"})");
  CHECK(json_at(refresh.body, "/code") == code);
  auto other = f.admin("POST", "/v1/colonies/c1/onboard-invite", R"({"session":"browser-2"})");
  CHECK(json_at(other.body, "/code") != code);

  WsClient agent(f.hub.port());
  REQUIRE(onboard(agent, *code).type == "welcome");
  auto after_redeem = f.admin("POST", "/v1/colonies/c1/onboard-invite", R"({"session":"browser-1"})");
  auto second_code = json_at(after_redeem.body, "/code");
  CHECK(second_code != code);

  REQUIRE(f.admin("POST", "/v1/invites/" + *second_code + "/revoke").status == 200);
  auto after_revoke = f.admin("POST", "/v1/colonies/c1/onboard-invite", R"({"session":"browser-1"})");
  CHECK(json_at(after_revoke.body, "/code") != second_code);
  CHECK(json_at(after_revoke.body, "/status") == std::optional<std::string>("active"));

  auto missing = f.admin("POST", "/v1/colonies/c1/onboard-invite", "{}");
  CHECK(missing.status == 400);
  CHECK(error_code_of(missing) == "bad_request");
}

TEST_CASE("an onboard invite is named as asked when it is made, and keeps its name", "[http][invites]") {
  HubFixture f;
  auto first = f.admin("POST", "/v1/colonies/c1/onboard-invite",
                       R"({"session":"browser-n","name":"onboarding page, 7 Dec 08:30"})");
  REQUIRE(first.status == 200);
  auto code = json_at(first.body, "/code");
  REQUIRE(code);
  CHECK(json_at(first.body, "/name") == std::optional<std::string>("onboarding page, 7 Dec 08:30"));

  // A refresh gets the same invite with the name it was made with, whatever name it asks for.
  auto refresh = f.admin("POST", "/v1/colonies/c1/onboard-invite", R"({"session":"browser-n","name":"other"})");
  CHECK(json_at(refresh.body, "/code") == code);
  CHECK(json_at(refresh.body, "/name") == std::optional<std::string>("onboarding page, 7 Dec 08:30"));
  // The name is the invite's: in the list and on its own.
  CHECK(json_at(f.admin("GET", "/v1/colonies/c1/invites").body, "/invites/0/name") ==
        std::optional<std::string>("onboarding page, 7 Dec 08:30"));
  CHECK(json_at(f.admin("GET", "/v1/invites/" + *code).body, "/name") ==
        std::optional<std::string>("onboarding page, 7 Dec 08:30"));

  // Once revoked, the next one carries the name of the call that made it.
  REQUIRE(f.admin("POST", "/v1/invites/" + *code + "/revoke").status == 200);
  auto next = f.admin("POST", "/v1/colonies/c1/onboard-invite", R"({"session":"browser-n","name":"onboarding page, 08:41"})");
  CHECK(json_at(next.body, "/code") != code);
  CHECK(json_at(next.body, "/name") == std::optional<std::string>("onboarding page, 08:41"));

  // Without a name, or with null or "", there is none.
  for (std::string body : {std::string(R"({"session":"browser-u"})"), std::string(R"({"session":"browser-v","name":null})"),
                           std::string(R"({"session":"browser-w","name":""})")}) {
    auto unnamed = f.admin("POST", "/v1/colonies/c1/onboard-invite", body);
    REQUIRE(unnamed.status == 200);
    CHECK(json_at(unnamed.body, "/name") == std::optional<std::string>("null"));
  }
  // A name out of shape is refused as for any invite.
  for (std::string body : {std::string(R"({"session":"s","name":7})"), std::string(R"({"session":"s","name":"line\nbreak"})"),
                           R"({"session":"s","name":")" + std::string(201, 'a') + "\"}"}) {
    auto refused = f.admin("POST", "/v1/colonies/c1/onboard-invite", body);
    CHECK(refused.status == 400);
    CHECK(error_code_of(refused) == "bad_request");
  }
}

TEST_CASE("the agents list shows onboarded agents with their status", "[http][agents]") {
  HubFixture f;
  auto empty = f.admin("GET", "/v1/colonies/c1/agents");
  REQUIRE(empty.status == 200);
  CHECK(json_at(empty.body, "/seq") == std::optional<std::string>("0"));
  CHECK(json_array_size(empty.body, "/agents") == 0);
  {
    WsClient agent(f.hub.port());
    REQUIRE(onboard(agent, f.create_invite("c1"), "jared").type == "welcome");
    auto listed = f.admin("GET", "/v1/colonies/c1/agents");
    REQUIRE(json_array_size(listed.body, "/agents") == 1);
    CHECK(json_at(listed.body, "/agents/0/id") == std::optional<std::string>("jared"));
    CHECK(json_at(listed.body, "/agents/0/kind") == std::optional<std::string>("remote"));
    CHECK(json_at(listed.body, "/agents/0/status") == std::optional<std::string>("online"));
    CHECK(json_at(listed.body, "/seq") == std::optional<std::string>("1"));
    agent.close();
  }
  std::optional<std::string> status;
  for (int i = 0; i < 50 && status != std::optional<std::string>("offline"); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    status = json_at(f.admin("GET", "/v1/colonies/c1/agents").body, "/agents/0/status");
  }
  CHECK(status == std::optional<std::string>("offline"));
  auto listed = f.admin("GET", "/v1/colonies/c1/agents");
  CHECK(json_at(listed.body, "/agents/0/offline_reason") == std::optional<std::string>("closed"));
}

TEST_CASE("the invite page shows the exact command, escaped, without scripts", "[http][pages]") {
  HubFixture f({"--public-url", "https://hub.example.test/"});
  auto invite = f.admin("POST", "/v1/colonies/c1/invites");
  CHECK(json_at(invite.body, "/url").value_or("").starts_with("https://hub.example.test/r/"));
  const auto code = json_at(invite.body, "/code").value();
  auto page = http_request(f.hub.port(), "GET", "/r/" + code);
  CHECK(page.status == 200);
  CHECK(page.headers["content-type"].starts_with("text/html"));
  CHECK(page.body.find("mi agent onboard " + code + " --hub https://hub.example.test") != std::string::npos);
  CHECK(page.body.find("npx") == std::string::npos);  // no command the repository does not provide
  CHECK(page.body.find("<script") == std::string::npos);
  std::string lower = code;
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  CHECK(http_request(f.hub.port(), "GET", "/r/" + lower).body.find("onboard " + code) != std::string::npos);
  CHECK(page.headers["content-security-policy"].find("default-src 'self'") != std::string::npos);
  CHECK(page.headers["x-content-type-options"] == "nosniff");
  auto not_a_code = http_request(f.hub.port(), "GET", "/r/%3Cscript%3E");
  CHECK(not_a_code.status == 404);
  CHECK(not_a_code.body.find("/assets/app.css") != std::string::npos);
  CHECK(not_a_code.body.find("<script") == std::string::npos);
}

TEST_CASE("the invite page looks the code up and says what holds, no more than invalid_code does",
          "[http][pages]") {
  HubFixture f({"--onboard-fail-delay", "0.01"});
  const auto code_of = [](const HttpReply& reply) { return json_at(reply.body, "/code").value(); };
  const auto human = code_of(f.admin("POST", "/v1/colonies/c1/invites", R"({"type":"human"})"));
  auto human_page = http_request(f.hub.port(), "GET", "/r/" + human);
  CHECK(human_page.status == 200);
  CHECK(human_page.body.find("This invite is for a person") != std::string::npos);
  CHECK(human_page.body.find("mi agent onboard " + human) == std::string::npos);

  const auto redeemed = code_of(f.admin("POST", "/v1/colonies/c1/invites"));
  {
    WsClient agent(f.hub.port());
    REQUIRE(onboard(agent, redeemed, "jared").type == "welcome");
  }
  const auto revoked = code_of(f.admin("POST", "/v1/colonies/c1/invites"));
  REQUIRE(f.admin("POST", "/v1/invites/" + revoked + "/revoke").status == 200);
  // Used, revoked and unknown read the same, but for the code itself.
  std::vector<std::string> bodies;
  for (const auto& code : {redeemed, revoked, std::string("QQQQQQ")}) {
    auto page = http_request(f.hub.port(), "GET", "/r/" + code);
    CHECK(page.status == 404);
    CHECK(page.body.find("This invite code cannot be used") != std::string::npos);
    CHECK(page.body.find("mi agent onboard") == std::string::npos);
    auto body = page.body;
    for (auto at = body.find(code); at != std::string::npos; at = body.find(code)) body.replace(at, code.size(), "CODE");
    bodies.push_back(body);
  }
  CHECK(bodies[0] == bodies[1]);
  CHECK(bodies[1] == bodies[2]);
}

TEST_CASE("invite page look-ups spend the onboard failure budget of their address", "[http][pages][rate-limit]") {
  HubFixture f({"--onboard-fail-limit", "3", "--onboard-fail-delay", "0.01"});
  const auto active = json_at(f.admin("POST", "/v1/colonies/c1/invites").body, "/code").value();
  // A usable code costs nothing.
  for (int i = 0; i < 4; ++i) CHECK(http_request(f.hub.port(), "GET", "/r/" + active).status == 200);
  for (int i = 0; i < 3; ++i) CHECK(http_request(f.hub.port(), "GET", "/r/QQQQQQ").status == 404);
  auto limited = http_request(f.hub.port(), "GET", "/r/" + active);
  CHECK(limited.status == 429);
  CHECK(limited.body.find("Too many invite codes tried") != std::string::npos);
  REQUIRE(!limited.headers["retry-after"].empty());
  CHECK(std::stoi(limited.headers["retry-after"]) >= 1);
  CHECK(std::stoi(limited.headers["retry-after"]) <= 60);
  // The same budget as onboard attempts: the address cannot onboard either.
  WsClient agent(f.hub.port());
  CHECK(onboard(agent, active).code == "rate_limited");
}

TEST_CASE("a browser gets error pages in the product's style off the API; API clients keep JSON",
          "[http][errors][pages]") {
  HubFixture f;
  const std::map<std::string, std::string> browser = {
      {"accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}};
  for (const std::string target : {"/nothing-here", "/colonies/", "/colonies/bad%20id"}) {
    INFO(target);
    auto page = http_request(f.hub.port(), "GET", target, "", browser);
    CHECK(page.status == 404);
    CHECK(page.headers["content-type"].starts_with("text/html"));
    CHECK(page.body.find("Nothing here") != std::string::npos);
    CHECK(page.body.find(R"(href="/admin")") != std::string::npos);
    CHECK(page.body.find("/assets/app.css") != std::string::npos);
    auto json = http_request(f.hub.port(), "GET", target);
    CHECK(json.status == 404);
    CHECK(json_at(json.body, "/error/code") == std::optional<std::string>("not_found"));
  }
  auto api = http_request(f.hub.port(), "GET", "/v1/nothing-here", "", browser);
  CHECK(api.status == 404);
  CHECK(json_at(api.body, "/error/code") == std::optional<std::string>("not_found"));
  auto icon = http_request(f.hub.port(), "GET", "/favicon.ico");
  CHECK(icon.status == 200);
  CHECK(icon.headers["content-type"] == "image/x-icon");
  CHECK(icon.body.substr(0, 4) == std::string("\0\0\1\0", 4));
}

TEST_CASE("a hub on a port the system picks names that port in its links", "[http][pages]") {
  TestRedis redis;
  auto options = hub_options(redis, {});
  options.system_picks_port = true;
  HubProcess hub(options);
  REQUIRE(hub.port() != 0);
  auto created = http_request(hub.port(), "POST", "/v1/colonies/c1/invites", "",
                              {{"Authorization", "Bearer " + hub.admin_token()}});
  REQUIRE(created.status == 201);
  auto code = json_at(created.body, "/code").value_or("");
  CHECK(json_at(created.body, "/url") == std::optional<std::string>(hub.url() + "/r/" + code));
  auto page = http_request(hub.port(), "GET", "/r/" + code);
  CHECK(page.body.find("mi agent onboard " + code + " --hub " + hub.url()) != std::string::npos);
}

TEST_CASE("every bad HTTP request gets its status and a JSON error", "[http][errors]") {
  HubFixture f;
  auto port = f.hub.port();
  SECTION("no token, wrong token, wrong scheme: 401") {
    CHECK(http_request(port, "GET", "/v1/colonies/c1/invites").status == 401);
    CHECK(error_code_of(http_request(port, "GET", "/v1/colonies/c1/invites")) == "unauthorized");
    CHECK(http_request(port, "GET", "/v1/colonies/c1/invites", "", {{"authorization", "Bearer nope"}}).status == 401);
    CHECK(http_request(port, "GET", "/v1/colonies/c1/invites", "", {{"authorization", f.hub.admin_token()}}).status == 401);
    CHECK(http_request(port, "GET", "/v1/invites/ABCDEF").status == 401);
    CHECK(http_request(port, "POST", "/v1/invites/ABCDEF/revoke").status == 401);
    CHECK(http_request(port, "POST", "/v1/colonies/c1/onboard-invite", R"({"session":"s"})").status == 401);
    CHECK(http_request(port, "GET", "/v1/colonies/c1/agents").status == 401);
  }
  SECTION("bad colony ids: 400 bad_colony") {
    for (std::string colony : {std::string("has.dot"), std::string("a%20b"), std::string(65, 'a'), std::string("semi;colon")}) {
      auto reply = f.admin("POST", "/v1/colonies/" + colony + "/invites");
      CHECK(reply.status == 400);
      CHECK(error_code_of(reply) == "bad_colony");
    }
    CHECK(f.admin("POST", "/v1/colonies/" + std::string(64, 'a') + "/invites").status == 201);
  }
  SECTION("unknown routes: 404, wrong methods: 405 with Allow") {
    CHECK(f.admin("GET", "/v1/nothing").status == 404);
    CHECK(error_code_of(f.admin("GET", "/v1/nothing")) == "not_found");
    CHECK(f.admin("GET", "/nothing/here").status == 404);
    CHECK(f.admin("GET", "/v1/colonies/c1/unknown").status == 404);
    auto wrong = f.admin("DELETE", "/v1/colonies/c1/invites");
    CHECK(wrong.status == 405);
    CHECK(error_code_of(wrong) == "method_not_allowed");
    CHECK(wrong.headers["allow"] == "GET, POST");
    CHECK(f.admin("GET", "/v1/invites/ABCDEF/revoke").status == 405);
    CHECK(f.admin("POST", "/v1/invites/ABCDEF").status == 405);
    CHECK(f.admin("GET", "/v1/colonies/c1/onboard-invite").status == 405);
    CHECK(f.admin("POST", "/v1/colonies/c1/agents").status == 405);
    CHECK(http_request(port, "POST", "/healthz").status == 405);
  }
  SECTION("bad bodies: 400 bad_json or bad_request") {
    CHECK(error_code_of(f.admin("POST", "/v1/colonies/c1/invites", "{not json")) == "bad_json");
    CHECK(f.admin("POST", "/v1/colonies/c1/invites", "{not json").status == 400);
    CHECK(error_code_of(f.admin("POST", "/v1/colonies/c1/invites", "[1,2]")) == "bad_json");
    CHECK(error_code_of(f.admin("POST", "/v1/colonies/c1/invites", R"({"type":"robot"})")) == "bad_request");
    CHECK(error_code_of(f.admin("POST", "/v1/colonies/c1/invites", R"({"name":5})")) == "bad_request");
    CHECK(error_code_of(f.admin("POST", "/v1/colonies/c1/invites", "{\"name\":\"\xff\"}")) == "bad_json");
  }
  SECTION("a body over 64 KiB: 413") {
    auto reply = f.admin("POST", "/v1/colonies/c1/invites", "{\"name\":\"" + std::string(70 * 1024, 'x') + "\"}");
    CHECK(reply.status == 413);
    CHECK(error_code_of(reply) == "payload_too_large");
  }
  SECTION("unknown invites: 404 not_found") {
    CHECK(f.admin("GET", "/v1/invites/ZZZZZZ").status == 404);
    CHECK(error_code_of(f.admin("GET", "/v1/invites/ZZZZZZ")) == "not_found");
    CHECK(f.admin("POST", "/v1/invites/ZZZZZZ/revoke").status == 404);
    CHECK(f.admin("GET", "/v1/invites/NOT-A-CODE").status == 404);
  }
  SECTION("a plain GET of the WebSocket path: 426") {
    CHECK(http_request(port, "GET", "/v1/ws").status == 426);
  }
  SECTION("garbage instead of HTTP: 400 and the hub keeps serving") {
    auto reply = raw_exchange(port, "NOT HTTP AT ALL\r\n\r\n");
    CHECK(reply.starts_with("HTTP/1.1 400"));
  }
  // After every bad request above, the hub still serves.
  CHECK(http_request(port, "GET", "/healthz").status == 200);
  CHECK(f.admin("POST", "/v1/colonies/c1/invites").status == 201);
}

TEST_CASE("the admin pages sign in with the token and act with the cookie from their own origin", "[http][session]") {
  HubFixture f;
  auto port = f.hub.port();
  CHECK(http_request(port, "GET", "/v1/session").body == R"({"signed_in":false})");
  auto refused = http_request(port, "POST", "/v1/session", R"({"token":"nope"})");
  CHECK(refused.status == 401);
  CHECK(error_code_of(refused) == "unauthorized");
  CHECK(error_code_of(http_request(port, "POST", "/v1/session", "{}")) == "bad_request");

  auto signed_in = http_request(port, "POST", "/v1/session", R"({"token":")" + f.hub.admin_token() + R"("})");
  REQUIRE(signed_in.status == 200);
  CHECK(json_at(signed_in.body, "/signed_in") == std::optional<std::string>("true"));
  CHECK(std::stoll(json_at(signed_in.body, "/expires_at").value_or("0")) > 1'600'000'000'000);
  const auto& set_cookie = signed_in.headers["set-cookie"];
  REQUIRE(set_cookie.starts_with("mi_session="));
  CHECK(set_cookie.find("; Path=/; HttpOnly; SameSite=Strict; Max-Age=") != std::string::npos);
  std::map<std::string, std::string> cookie = {{"Cookie", "other=1; " + set_cookie.substr(0, set_cookie.find(';'))}};

  CHECK(http_request(port, "GET", "/v1/session", "", cookie).body == R"({"signed_in":true})");
  CHECK(http_request(port, "GET", "/v1/colonies", "", cookie).status == 200);
  auto own_origin = cookie;
  own_origin["Origin"] = f.hub.url();
  CHECK(http_request(port, "POST", "/v1/colonies/c1/invites", "", own_origin).status == 201);
  auto other_origin = cookie;
  other_origin["Origin"] = "http://elsewhere.example";
  CHECK(http_request(port, "POST", "/v1/colonies/c1/invites", "", other_origin).status == 401);
  CHECK(http_request(port, "GET", "/v1/session", "", {{"Cookie", "mi_session=forged"}}).body == R"({"signed_in":false})");

  auto signed_out = http_request(port, "POST", "/v1/session/logout", "", cookie);
  CHECK(signed_out.body == R"({"signed_in":false})");
  CHECK(signed_out.headers["set-cookie"] == "mi_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
}

TEST_CASE("the colonies list names every colony with invites, sorted", "[http][invites]") {
  HubFixture f;
  CHECK(f.admin("GET", "/v1/colonies").body == R"({"colonies":[]})");
  f.create_invite("office-b");
  f.create_invite("office-a");
  f.create_invite("office-b");
  CHECK(f.admin("GET", "/v1/colonies").body == R"({"colonies":["office-a","office-b"]})");
  CHECK(http_request(f.hub.port(), "GET", "/v1/colonies").status == 401);
  CHECK(f.admin("POST", "/v1/colonies").status == 405);
}

TEST_CASE("the API skips empty path segments, the site's paths are exact, HEAD has no body", "[http][errors]") {
  HubFixture f;
  auto port = f.hub.port();
  f.create_invite("c1");
  CHECK(f.admin("GET", "/v1/colonies/c1/invites/").status == 200);
  CHECK(f.admin("GET", "//v1//colonies//c1//invites").status == 200);
  CHECK(http_request(port, "GET", "/healthz").body == R"({"status":"ok"})");
  CHECK(http_request(port, "GET", "/healthz/").status == 404);
  CHECK(error_code_of(http_request(port, "GET", "//healthz")) == "not_found");
  CHECK(http_request(port, "GET", "/readyz").body == R"({"status":"ready"})");

  auto head = http_request(port, "HEAD", "/healthz");
  CHECK(head.status == 200);
  CHECK(head.body.empty());
  CHECK(head.headers["content-length"] == std::to_string(std::string(R"({"status":"ok"})").size()));
  // The API's GET routes do not take HEAD.
  auto api_head = f.admin("HEAD", "/v1/colonies/c1/agents");
  CHECK(api_head.status == 405);
  CHECK(api_head.headers["allow"] == "GET");

  auto root = http_request(port, "POST", "/");
  CHECK(root.status == 302);
  CHECK(root.headers["location"] == "/admin");
  // A page path with another method than GET finds nothing, as a path with no page.
  CHECK(http_request(port, "POST", "/admin").status == 404);
  CHECK(http_request(port, "GET", "/admin").status == 200);
  // Unknown calls on a colony are the admin's too.
  CHECK(http_request(port, "GET", "/v1/colonies/c1/unknown").status == 401);
  CHECK(http_request(port, "GET", "/v1/invites/ABCDEF/unknown").status == 404);
}

TEST_CASE("a watch token names its colony and when it expires", "[http][watch]") {
  HubFixture f;
  auto issued = f.admin("POST", "/v1/colonies/c1/watch-token");
  REQUIRE(issued.status == 200);
  CHECK(json_at(issued.body, "/colony") == std::optional<std::string>("c1"));
  CHECK(!json_at(issued.body, "/token").value_or("").empty());
  CHECK(std::stoll(json_at(issued.body, "/expires_at").value_or("0")) > 1'600'000'000'000);
  CHECK(f.admin("POST", "/v1/colonies/bad.colony/watch-token").status == 400);
}
