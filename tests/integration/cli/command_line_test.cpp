// The command line made consistent: a second revocation says it did nothing, `mi status` lists a
// colony as its dashboard does (order, reason, meta), an address without a hub says so, and the
// README shows what mi prints.

#include <fstream>
#include <regex>
#include <sstream>

#include <catch2/catch.hpp>

#include "tests/integration/cli/cli_fixture.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/ws_client.hpp"

using namespace mi::test::cli;
using mi::test::json_at;

namespace {

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// The agent `name` onboarded on a socket that then closes: Offline (connection closed). Its token.
std::string onboard_and_close(CliFixture& f, const std::string& name) {
  mi::test::WsClient socket(f.hub.hub.port());
  auto token = mi::test::onboard(socket, f.hub.create_invite("c1"), name).token.value();
  socket.close();
  return token;
}

// A table with each time of LAST SEEN ("just now", "12s ago") as TIME and the blanks between
// cells as one, so that a table of another moment compares equal.
std::string without_times(const std::string& table) {
  const auto timeless = std::regex_replace(table, std::regex("just now|[0-9]+[smhd] ago"), "TIME");
  return std::regex_replace(timeless, std::regex(" +"), " ");
}

}  // namespace

TEST_CASE("revoking an invite that is already revoked says so", "[cli][invite]") {
  CliFixture f;
  const auto code = f.mi({"invite", "--colony", "c1"}).out.substr(0, 6);
  auto first = f.mi({"invite", "revoke", code});
  CHECK(first.exit_code == 0);
  CHECK(first.out == "Revoked invite " + code + " of colony c1: it can no longer be redeemed.\n");
  auto second = f.mi({"invite", "revoke", code});
  CHECK(second.exit_code == 0);
  CHECK(second.out == "Invite " + code + " of colony c1 was already revoked: nothing changed, and it cannot be redeemed.\n");
  auto as_json = f.mi({"invite", "revoke", code, "--json"});
  CHECK(json_at(as_json.out, "/status") == "revoked");
}

TEST_CASE("mi status lists agents in the dashboard's order, with reason and meta columns", "[cli][status]") {
  CliFixture f;
  // Joined in an order that is neither alphabetical nor natural.
  for (const std::string name : {"zed", "agent10", "agent9", "agent-2"}) onboard_and_close(f, name);
  const auto token = onboard_and_close(f, "b");
  auto meta = mi::test::http_request(f.hub.hub.port(), "POST", "/v1/agents/status",
                                     R"({"meta":{"task":"reviewing PR 12","status":"busy"}})",
                                     {{"authorization", "Bearer " + token}});
  REQUIRE(meta.status == 200);
  REQUIRE(mi::test::eventually([&] {
    const auto listed = f.mi({"status", "--colony", "c1", "--json"}).out;
    for (const std::string name : {"zed", "agent10", "agent9", "agent-2", "b"}) {
      if (agent_field(listed, name, "/offline_reason") != "closed") return false;
    }
    return true;
  }, 10s));

  auto table = f.mi({"status", "--colony", "c1"});
  INFO(table.out);
  CHECK(table.exit_code == 0);
  const auto rows = lines_of(table.out);
  REQUIRE(rows.size() == 6);
  CHECK(std::regex_match(rows[0], std::regex("AGENT +KIND +STATUS +LAST SEEN +REASON +META")));
  CHECK(std::regex_match(rows[1], std::regex("agent-2 +Remote +Offline +(just now|[0-9]+s ago) +connection closed")));
  CHECK(rows[2].rfind("agent9 ", 0) == 0);
  CHECK(rows[3].rfind("agent10 ", 0) == 0);
  CHECK(std::regex_match(rows[4], std::regex("b +Remote +Offline +[^ ].* +connection closed +status: busy, task: reviewing PR 12")));
  CHECK(rows[5].rfind("zed ", 0) == 0);
}

TEST_CASE("a --hub whose path is not the hub's says that the hub was not found there", "[cli][errors]") {
  CliFixture f;
  const auto code = f.mi({"invite", "--colony", "c1"}).out.substr(0, 6);
  const std::string wrong = f.hub.hub.url() + "/wrong";
  const std::string says = "The hub was not found at " + wrong;

  for (const auto& args : std::vector<std::vector<std::string>>{
           {"status", "--colony", "c1"}, {"invite", "show", code}, {"invite", "list", "--colony", "c1"}}) {
    auto result = f.mi(args, {{"MI_HUB", wrong + "/"}});
    INFO(args[0] << "\n" << result.err);
    CHECK(result.exit_code == 1);
    CHECK(has(result.err, says));
  }
  auto onboard = f.mi({"agent", "onboard", code, "--hub", wrong + "/"});
  INFO(onboard.err);
  CHECK(onboard.exit_code == 1);
  CHECK(has(onboard.err, "the hub was not found there: HTTP 404 for /wrong/v1/ws"));

  // An agent's one-shot command over HTTP, at the right hub and then at a wrong path.
  REQUIRE(f.mi({"agent", "onboard", code}).exit_code == 0);
  auto chat = f.mi({"agent", "chat", "hello", "--hub", wrong});
  INFO(chat.err);
  CHECK(chat.exit_code == 1);
  CHECK(has(chat.err, says));

  // At the right address, a missing invite is still just that.
  auto missing = f.mi({"invite", "show", "ZZZZZZ"});
  CHECK(missing.exit_code == 1);
  CHECK(has(missing.err, "There is no invite ZZZZZZ"));
}

TEST_CASE("the README's mi status example is what mi prints", "[cli][status][readme]") {
  std::ifstream readme(std::string(MI_SOURCE_DIR) + "/README.md");
  std::stringstream text;
  text << readme.rdbuf();
  const std::string marker = "$ mi status --colony c1\n";
  const auto at = text.str().find(marker);
  REQUIRE(at != std::string::npos);
  const auto start = at + marker.size();
  const std::string example = text.str().substr(start, text.str().find("```", start) - start);

  // The README's flow: jared onboards, its daemon keeps it Online, it says what it does, clones.
  CliFixture f;
  const auto code = f.mi({"invite", "--colony", "c1", "--name", "for jared"}).out.substr(0, 6);
  REQUIRE(f.mi({"agent", "onboard", code, "--name", "jared"}).exit_code == 0);
  auto daemon = start_mi({"agent", "heartbeat-daemon"}, f.env());
  REQUIRE(daemon->wait_for([](const std::string&, const std::string& err) { return has(err, "connected as"); }, 10s));
  REQUIRE(f.mi({"agent", "status", "--meta", R"({"task":"reviewing PR 12"})"}).exit_code == 0);
  REQUIRE(f.mi({"agent", "clone"}).exit_code == 0);

  auto status = f.mi({"status", "--colony", "c1"});
  CHECK(status.exit_code == 0);
  CHECK(without_times(status.out) == without_times(example));
}

TEST_CASE("mi agent remove takes an offline agent off its colony; an online one needs --force", "[cli][remove]") {
  CliFixture f;
  onboard_and_close(f, "gone");
  REQUIRE(mi::test::eventually([&] {
    return agent_field(f.hub.admin("GET", "/v1/colonies/c1/agents").body, "gone", "/status") == "offline";
  }));
  auto removed = f.mi({"agent", "remove", "gone", "--colony", "c1"});
  CHECK(removed.exit_code == 0);
  CHECK(removed.out ==
        "Removed agent gone from colony c1: its credentials no longer work, and its name is not given again.\n");
  CHECK(!agent_field(f.hub.admin("GET", "/v1/colonies/c1/agents").body, "gone", "/status"));
  auto again = f.mi({"agent", "remove", "gone", "--colony", "c1"});
  CHECK(again.exit_code == 1);
  CHECK(has(again.err, "There is no agent gone in colony c1"));

  mi::test::WsClient busy(f.hub.hub.port());
  REQUIRE(mi::test::onboard(busy, f.hub.create_invite("c1"), "busy").type == "welcome");
  auto refused = f.mi({"agent", "remove", "busy", "--colony", "c1"});
  CHECK(refused.exit_code == 1);
  CHECK(has(refused.err, "Cannot remove agent busy in colony c1: it is online. Add --force"));
  auto forced = f.mi({"agent", "remove", "busy", "--colony", "c1", "--force", "--json"});
  CHECK(forced.exit_code == 0);
  CHECK(json_at(forced.out, "/removed/id") == "busy");
  CHECK(busy.wait_closed(std::chrono::seconds(5)) == 4003);
}
