// mi invite: create, list, show, revoke, as text and as --json.

#include <regex>

#include <catch2/catch.hpp>

#include "tests/integration/cli/cli_fixture.hpp"

using namespace mi::test::cli;
using mi::test::json_array_size;
using mi::test::json_at;

TEST_CASE("mi invite prints the code alone on stdout and the link on stderr", "[cli][invite]") {
  CliFixture fixture;
  auto created = fixture.mi({"invite", "--colony", "c1", "--name", "jared"});
  REQUIRE(created.exit_code == 0);
  REQUIRE(std::regex_match(created.out, std::regex("[A-Z]{6}\n")));
  const std::string code = created.out.substr(0, 6);
  CHECK(created.err.find(fixture.hub.hub.url() + "/r/" + code) != std::string::npos);
  CHECK(created.err.find("mi agent onboard " + code) != std::string::npos);

  SECTION("list shows it as an aligned table") {
    auto listed = fixture.mi({"invite", "list", "--colony", "c1"});
    REQUIRE(listed.exit_code == 0);
    auto lines = lines_of(listed.out);
    REQUIRE(lines.size() == 2);
    CHECK(std::regex_match(lines[0], std::regex("CODE +TYPE +NAME +STATUS +CREATED +REDEEMED BY")));
    CHECK(std::regex_match(lines[1], std::regex(code + " +agent +jared +active +(just now|\\ds ago) +-")));
    // Aligned: each column starts at the same place on both lines.
    CHECK(lines[0].find("STATUS") == lines[1].find("active"));
  }

  SECTION("list --json is the hub's list") {
    auto listed = fixture.mi({"invite", "list", "--colony", "c1", "--json"});
    REQUIRE(listed.exit_code == 0);
    CHECK(json_array_size(listed.out, "/invites") == 1);
    CHECK(json_at(listed.out, "/invites/0/code") == code);
    CHECK(json_at(listed.out, "/invites/0/status") == "active");
    CHECK(json_at(listed.out, "/total") == "1");
    // The hub's invite objects, passed on unchanged.
    CHECK(json_at(listed.out, "/invites") ==
          json_at(fixture.hub.admin("GET", "/v1/colonies/c1/invites").body, "/invites"));
  }

  SECTION("show, then revoke, then show again") {
    auto shown = fixture.mi({"invite", "show", code});
    REQUIRE(shown.exit_code == 0);
    CHECK(std::regex_search(shown.out, std::regex("Status: +active")));
    CHECK(std::regex_search(shown.out, std::regex("Link: +" + fixture.hub.hub.url() + "/r/" + code)));

    auto revoked = fixture.mi({"--json", "invite", "revoke", code});
    REQUIRE(revoked.exit_code == 0);
    CHECK(json_at(revoked.out, "/status") == "revoked");

    // Codes are case-insensitive, as the hub reads them.
    std::string lower = code;
    for (auto& letter : lower) letter = static_cast<char>(letter - 'A' + 'a');
    auto shown_again = fixture.mi({"invite", "show", lower, "--json"});
    REQUIRE(shown_again.exit_code == 0);
    CHECK(json_at(shown_again.out, "/code") == code);
    CHECK(json_at(shown_again.out, "/status") == "revoked");
    CHECK(json_at(shown_again.out, "/redeemed_by") == "null");
  }
}

TEST_CASE("mi invite's onboarding command names the hub's public URL, as the invite page does", "[cli][invite]") {
  // mi reaches the hub on its private address; agents are told the public one.
  CliFixture fixture({"--public-url", "https://hub.example.com/presence/"});
  auto created = fixture.mi({"invite", "--colony", "c1"});
  INFO(created.err);
  REQUIRE(created.exit_code == 0);
  const std::string code = created.out.substr(0, 6);
  const std::string command = "mi agent onboard " + code + " --hub https://hub.example.com/presence";
  CHECK(created.err.find("Share the link https://hub.example.com/presence/r/" + code + "\n") != std::string::npos);
  CHECK(created.err.find("or have the agent run: " + command + "\n") != std::string::npos);
  CHECK(created.err.find(fixture.hub.hub.url()) == std::string::npos);

  // The page behind the link shows the very same command.
  const auto page = mi::test::http_request(fixture.hub.hub.port(), "GET", "/r/" + code);
  REQUIRE(page.status == 200);
  const std::string opening = R"(<pre class="command" id="command"><code>)";
  const auto start = page.body.find(opening);
  REQUIRE(start != std::string::npos);
  const auto end = page.body.find("</code>", start);
  REQUIRE(end != std::string::npos);
  CHECK(page.body.substr(start + opening.size(), end - start - opening.size()) == command);
}

TEST_CASE("mi invite --json and --type human", "[cli][invite]") {
  CliFixture fixture;
  auto created = fixture.mi({"invite", "--colony", "c1", "--type", "human", "--json"});
  REQUIRE(created.exit_code == 0);
  CHECK(json_at(created.out, "/type") == "human");
  CHECK(json_at(created.out, "/colony") == "c1");
  CHECK(json_at(created.out, "/name") == "null");
  CHECK(std::regex_match(json_at(created.out, "/code").value_or(""), std::regex("[A-Z]{6}")));

  auto empty = fixture.mi({"invite", "list", "--colony", "c2"});
  CHECK(empty.exit_code == 0);
  CHECK(empty.out.find("No invites in colony c2") != std::string::npos);
}

TEST_CASE("mi invite show and revoke say what is wrong", "[cli][invite][errors]") {
  CliFixture fixture;
  auto unknown = fixture.mi({"invite", "show", "QQQQQQ"});
  CHECK(unknown.exit_code == 1);
  CHECK(unknown.err.find("There is no invite QQQQQQ") != std::string::npos);

  const std::string code = fixture.hub.create_invite("c1");
  REQUIRE(fixture.mi({"agent", "onboard", code}).exit_code == 0);
  auto too_late = fixture.mi({"invite", "revoke", code});
  CHECK(too_late.exit_code == 1);
  CHECK(too_late.err.find("already redeemed") != std::string::npos);

  auto shown = fixture.mi({"invite", "show", code, "--json"});
  CHECK(json_at(shown.out, "/status") == "redeemed");
  CHECK(json_at(shown.out, "/redeemed_by") == "agent");
}

TEST_CASE("the admin token: missing, wrong, and how to pass it", "[cli][invite][errors]") {
  CliFixture fixture;
  auto missing = fixture.mi({"invite", "--colony", "c1"}, {{"MI_ADMIN_TOKEN", ""}});
  CHECK(missing.exit_code == 1);
  CHECK(missing.out.empty());
  CHECK(missing.err.find("needs the hub's admin token") != std::string::npos);
  CHECK(missing.err.find("--admin-token") != std::string::npos);
  CHECK(missing.err.find("MI_ADMIN_TOKEN") != std::string::npos);

  auto wrong = fixture.mi({"status", "--colony", "c1"}, {{"MI_ADMIN_TOKEN", "not-the-token"}});
  CHECK(wrong.exit_code == 1);
  CHECK(wrong.err.find("did not accept the admin token") != std::string::npos);

  // The flag wins over the environment.
  auto flag = fixture.mi({"--admin-token", fixture.hub.hub.admin_token(), "invite", "list", "--colony", "c1"},
                         {{"MI_ADMIN_TOKEN", "not-the-token"}});
  CHECK(flag.exit_code == 0);

  auto as_json = fixture.mi({"--json", "invite", "list", "--colony", "c1"}, {{"MI_ADMIN_TOKEN", "nope"}});
  CHECK(as_json.exit_code == 1);
  CHECK(json_at(as_json.out, "/error/code") == "unauthorized");
}

TEST_CASE("a hub that cannot be reached is named, with how to point mi elsewhere", "[cli][errors]") {
  CliFixture fixture;
  const std::string nowhere = "http://127.0.0.1:" + std::to_string(mi::redis::find_free_port());
  for (const auto& args : std::vector<std::vector<std::string>>{{"invite", "--colony", "c1"},
                                                                {"status", "--colony", "c1"},
                                                                {"agent", "onboard", "JCVCFB"}}) {
    auto result = fixture.mi(args, {{"MI_HUB", nowhere}});
    INFO(result.err);
    CHECK(result.exit_code == 1);
    CHECK(result.err.find("Could not reach the hub at " + nowhere) != std::string::npos);
    CHECK(result.err.find("--hub") != std::string::npos);
  }
}

TEST_CASE("a hub whose store is down says so, and that it is temporary", "[cli][errors]") {
  CliFixture fixture;
  fixture.hub.redis.process.kill();
  auto result = fixture.mi({"invite", "--colony", "c1"});
  INFO(result.err);
  CHECK(result.exit_code == 1);
  CHECK(result.err.find("unavailable") != std::string::npos);
  CHECK(result.err.find("try again") != std::string::npos);
}
