// mi agent onboard: the credentials file, and every refusal as a sentence the owner can act on.

#include <sys/stat.h>

#include <regex>

#include <catch2/catch.hpp>

#include "tests/integration/cli/cli_fixture.hpp"

using namespace mi::test::cli;
using mi::test::json_at;

namespace {

unsigned mode_of(const std::filesystem::path& path) {
  struct stat info {};
  REQUIRE(::stat(path.c_str(), &info) == 0);
  return info.st_mode & 0777;
}

void check_invalid_code_sentence(const MiResult& result) {
  INFO(result.err);
  CHECK(result.exit_code == 1);
  CHECK(result.out.empty());
  CHECK(result.err.find("invalid code (invalid_code)") != std::string::npos);
  CHECK(result.err.find("already been used") != std::string::npos);
  CHECK(result.err.find("admin panel") != std::string::npos);
  CHECK(result.err.find("revoked") != std::string::npos);
  CHECK(result.err.find("different environment (dev vs production)") != std::string::npos);
  CHECK(result.err.find("new agent invite") != std::string::npos);
}

}  // namespace

TEST_CASE("mi agent onboard saves private credentials and names the colony and agent", "[cli][onboard]") {
  CliFixture fixture;
  const std::string code = fixture.hub.create_invite("c1");
  auto joined = fixture.mi({"agent", "onboard", code, "--name", "jared"});
  INFO(joined.err);
  REQUIRE(joined.exit_code == 0);
  CHECK(joined.out == "Joined colony c1 as jared\n");
  CHECK(joined.err.find("mi agent heartbeat-daemon") != std::string::npos);

  const auto file = fixture.home.path() / "agent.json";
  CHECK(mode_of(file) == 0600);
  CHECK(mode_of(fixture.home.path()) == 0700);
  const std::string saved = read_file(file);
  CHECK(json_at(saved, "/hub") == fixture.hub.hub.url());
  CHECK(json_at(saved, "/colony") == "c1");
  CHECK(json_at(saved, "/agent") == "jared");
  CHECK(!json_at(saved, "/token").value_or("").empty());
  // No temporary file is left beside it.
  CHECK(std::distance(std::filesystem::directory_iterator(fixture.home.path()), {}) == 1);

  SECTION("a second onboard saves the new agent and keeps the first one aside") {
    const std::string second = fixture.hub.create_invite("c1");
    auto again = fixture.mi({"agent", "onboard", second, "--name", "jared"});
    INFO(again.err);
    REQUIRE(again.exit_code == 0);
    CHECK(again.out == "Joined colony c1 as jared-2\n");
    const auto kept = fixture.home.path() / "agents" / "c1" / "jared.json";
    CHECK(again.err.find("c1/jared, is kept in " + kept.string()) != std::string::npos);
    CHECK(read_file(kept) == saved);
    CHECK(mode_of(kept) == 0600);
    CHECK(mode_of(kept.parent_path()) == 0700);
    CHECK(json_at(read_file(file), "/agent") == "jared-2");
    // Both can still connect: the kept one with --credentials.
    auto kept_status = fixture.mi({"agent", "status", "--credentials", kept.string(), "--json"});
    INFO(kept_status.err);
    CHECK(kept_status.exit_code == 0);

    SECTION("--force replaces it without keeping it") {
      const std::string third = fixture.hub.create_invite("c1");
      auto replaced = fixture.mi({"agent", "onboard", third, "--name", "jared", "--force", "--json"});
      INFO(replaced.err);
      REQUIRE(replaced.exit_code == 0);
      CHECK(json_at(replaced.out, "/colony") == "c1");
      CHECK(json_at(replaced.out, "/agent/id") == "jared-3");
      CHECK(json_at(replaced.out, "/agent/kind") == "remote");
      CHECK(json_at(replaced.out, "/credentials") == file.string());
      CHECK(!json_at(replaced.out, "/previous_credentials"));
      CHECK(json_at(read_file(file), "/agent") == "jared-3");
      CHECK(!std::filesystem::exists(fixture.home.path() / "agents" / "c1" / "jared-2.json"));
      CHECK(mode_of(file) == 0600);
    }
  }

  SECTION("credentials that cannot be read are not replaced without --force, and no invite is spent") {
    write_file(file, "not json");
    const std::string second = fixture.hub.create_invite("c1");
    auto refused = fixture.mi({"agent", "onboard", second});
    CHECK(refused.exit_code == 2);
    CHECK(refused.err.find("--force") != std::string::npos);
    CHECK(read_file(file) == "not json");
    CHECK(json_at(fixture.mi({"invite", "show", second, "--json"}).out, "/status") == "active");
    // Nor are credentials whose colony or agent could not be a file name the hub gave.
    write_file(file, R"({"hub":"http://127.0.0.1:1","colony":"../elsewhere","agent":"jared","token":"t"})");
    auto odd = fixture.mi({"agent", "onboard", second});
    CHECK(odd.exit_code == 2);
    CHECK(odd.err.find("not ids a hub gives") != std::string::npos);
    CHECK(json_at(fixture.mi({"invite", "show", second, "--json"}).out, "/status") == "active");
  }
}

TEST_CASE("mi agent onboard creates a missing MI_HOME privately, whatever the umask", "[cli][onboard]") {
  CliFixture fixture;
  const auto home = fixture.home.path() / "nested" / "mi";
  const std::string code = fixture.hub.create_invite("c1");
  auto joined = fixture.mi({"agent", "onboard", code}, {{"MI_HOME", home.string()}});
  REQUIRE(joined.exit_code == 0);
  CHECK(joined.out == "Joined colony c1 as agent\n");
  CHECK(mode_of(home) == 0700);
  CHECK(mode_of(home / "agent.json") == 0600);
}

TEST_CASE("onboard refusals become sentences with the troubleshooting advice", "[cli][onboard][errors]") {
  CliFixture fixture;

  SECTION("a used code") {
    const std::string code = fixture.hub.create_invite("c1");
    REQUIRE(fixture.mi({"agent", "onboard", code}).exit_code == 0);
    check_invalid_code_sentence(fixture.mi({"agent", "onboard", code}, {{"MI_HOME", fixture.home.path() / "other"}}));
  }
  SECTION("a revoked code") {
    const std::string code = fixture.hub.create_invite("c1");
    REQUIRE(fixture.mi({"invite", "revoke", code}).exit_code == 0);
    check_invalid_code_sentence(fixture.mi({"agent", "onboard", code}));
  }
  SECTION("an unknown code") {
    check_invalid_code_sentence(fixture.mi({"agent", "onboard", "QQQQQQ"}));
  }
  SECTION("a human invite") {
    const std::string code = fixture.hub.create_invite("c1", "human");
    auto result = fixture.mi({"agent", "onboard", code});
    INFO(result.err);
    CHECK(result.exit_code == 1);
    CHECK(result.err.find("wrong invite type (wrong_invite_type)") != std::string::npos);
    CHECK(result.err.find("human invite") != std::string::npos);
    CHECK(result.err.find("Agent Invite selected") != std::string::npos);
  }
  SECTION("as JSON, for programs") {
    auto result = fixture.mi({"agent", "onboard", "QQQQQQ", "--json"});
    CHECK(result.exit_code == 1);
    CHECK(json_at(result.out, "/error/code") == "invalid_code");
  }
  // Nothing was saved by any failure.
  CHECK_FALSE(std::filesystem::exists(fixture.home.path() / "agent.json.tmp"));
}

TEST_CASE("too many failed onboard attempts: rate limited", "[cli][onboard][errors]") {
  CliFixture fixture({"--onboard-fail-limit", "2"});
  for (int attempt = 0; attempt < 2; ++attempt) CHECK(fixture.mi({"agent", "onboard", "QQQQQQ"}).exit_code == 1);
  auto limited = fixture.mi({"agent", "onboard", "QQQQQQ"});
  INFO(limited.err);
  CHECK(limited.exit_code == 1);
  CHECK(limited.err.find("rate limited (rate_limited)") != std::string::npos);
  CHECK(limited.err.find("Wait a minute") != std::string::npos);
}

TEST_CASE("credentials the hub no longer accepts: unauthorized", "[cli][onboard][errors]") {
  CliFixture fixture;
  REQUIRE(fixture.mi({"agent", "onboard", fixture.hub.create_invite("c1"), "--name", "jared"}).exit_code == 0);
  const auto file = fixture.home.path() / "agent.json";
  std::string saved = read_file(file);
  const std::string token = json_at(saved, "/token").value();
  saved.replace(saved.find(token), token.size(), "c1:jared:not-the-secret");
  std::ofstream(file, std::ios::trunc) << saved;

  for (const auto& args : std::vector<std::vector<std::string>>{{"agent", "chat", "hello"},
                                                                {"agent", "heartbeat-daemon", "--interval", "0.5"}}) {
    auto result = fixture.mi(args);
    INFO(result.err);
    CHECK(result.exit_code == 1);
    CHECK(result.err.find("unauthorized") != std::string::npos);
    CHECK(result.err.find("no longer accepts the credentials of c1/jared") != std::string::npos);
    CHECK(result.err.find("mi agent onboard") != std::string::npos);
  }
}
