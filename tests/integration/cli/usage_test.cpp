// `mi` without a hub: help, version, and every kind of bad usage (exit 2).

#include <catch2/catch.hpp>

#include "tests/integration/cli/run_mi.hpp"
#include "tests/support/temp_dir.hpp"

using namespace mi::test::cli;

namespace {

Env isolated_env(const mi::test::TempDir& home) {
  // A port where nothing listens: a command that reached for the hub would fail with exit 1.
  return {{"MI_HUB", "http://127.0.0.1:9"}, {"MI_HOME", home.path().string()}, {"HOME", home.path().string()}};
}

// Every command and subcommand of mi, as a user types it.
const std::vector<std::vector<std::string>>& every_command() {
  static const std::vector<std::vector<std::string>> commands = {
      {"invite"}, {"invite", "list"}, {"invite", "show"}, {"invite", "revoke"}, {"agent"},
      {"agent", "onboard"}, {"agent", "heartbeat-daemon"}, {"agent", "clone"}, {"agent", "run"},
      {"agent", "chat"}, {"agent", "status"}, {"agent", "remove"}, {"agent", "history"}, {"status"},
      {"agent", "heartbeat"}};
  return commands;
}

}  // namespace

TEST_CASE("mi --help lists every command with an example of the whole flow", "[cli][usage]") {
  mi::test::TempDir home("mi-cli-usage");
  auto result = run_mi({"--help"}, isolated_env(home));
  CHECK(result.exit_code == 0);
  for (const char* expected : {"invite --colony ID", "invite list", "invite show", "invite revoke", "agent onboard CODE",
                               "agent heartbeat-daemon", "agent clone", "agent run --credentials", "agent chat",
                               "agent status", "agent heartbeat --once", "status --colony ID", "--hub URL", "MI_HUB", "--admin-token",
                               "MI_ADMIN_TOKEN", "--ca-file", "MI_CA_FILE", "https://", "--json", "MI_HOME",
                               "Exit status"}) {
    INFO(expected);
    CHECK(result.out.find(expected) != std::string::npos);
  }

  // Every command has its own help.
  const auto& commands = every_command();
  for (auto args : commands) {
    args.push_back("--help");
    auto help = run_mi(args, isolated_env(home));
    INFO(args[0] + " " + args[args.size() - 2]);
    CHECK(help.exit_code == 0);
    CHECK(help.out.find("Usage: mi " + args[0]) != std::string::npos);
  }
}

TEST_CASE("mi --version prints the version", "[cli][usage]") {
  mi::test::TempDir home("mi-cli-usage");
  auto result = run_mi({"--version"}, isolated_env(home));
  CHECK(result.exit_code == 0);
  CHECK(result.out.rfind("mi 0.", 0) == 0);
}

TEST_CASE("bad usage exits 2 with a sentence, without reaching for the hub", "[cli][usage]") {
  mi::test::TempDir home("mi-cli-usage");
  const auto env = isolated_env(home);
  struct Case {
    std::vector<std::string> args;
    std::string says;
  };
  const std::vector<Case> cases = {
      {{}, "Usage: mi"},
      {{"bogus"}, "bogus"},
      {{"agent"}, "subcommand is required"},
      {{"invite"}, "needs --colony"},
      {{"invite", "--colony", "not a colony"}, "is not a colony id"},
      {{"invite", "--colony", "c1", "--type", "robot"}, "robot"},
      {{"invite", "list"}, "--colony is required"},
      {{"invite", "show", "ABC"}, "is not an invite code"},
      {{"status"}, "--colony is required"},
      {{"agent", "onboard"}, "code is required"},
      {{"agent", "onboard", "JCVCF1"}, "is not an invite code"},
      {{"agent", "onboard", "JCVCFB", "--name", "Not Valid"}, "is not an agent name"},
      {{"agent", "heartbeat-daemon", "--interval", "0"}, "--interval"},
      {{"agent", "heartbeat-daemon"}, "mi agent onboard CODE"},
      {{"agent", "run"}, "--credentials is required"},
      {{"agent", "status", "--meta", "[1,2]"}, "must be a JSON object"},
      {{"agent", "chat", ""}, "empty"},
      {{"agent", "heartbeat"}, "add --once"},
      {{"agent", "heartbeat", "--once", "--meta", "[1]"}, "must be a JSON object"},
      {{"agent", "heartbeat", "--once"}, "mi agent onboard CODE"},
      {{"--hub", "ftp://hub", "status", "--colony", "c1"}, "must start with http:// or https://"},
      {{"--hub", "https://hub.example.com:0", "status", "--colony", "c1"}, "the port must be a number"},
      // A trust file that is not there is a mistake in the command, found before any connection.
      {{"--hub", "https://127.0.0.1:9", "--ca-file", "/nonexistent/ca.pem", "status", "--colony", "c1"},
       "--ca-file /nonexistent/ca.pem (or MI_CA_FILE) is not a file"},
  };
  for (const auto& test : cases) {
    auto result = run_mi(test.args, env);
    std::string command;
    for (const auto& arg : test.args) command += arg + " ";
    INFO("mi " << command << "\nstdout: " << result.out << "\nstderr: " << result.err);
    CHECK(result.exit_code == 2);
    CHECK((result.err + result.out).find(test.says) != std::string::npos);
  }
}

TEST_CASE("every usage error reads the same: one error: line, and exit 2, CLI11's own included", "[cli][usage]") {
  mi::test::TempDir home("mi-cli-usage");
  const auto env = isolated_env(home);
  const std::vector<std::vector<std::string>> mistakes = {
      {},                                                  // no command
      {"bogus"},                                           // an unknown command
      {"agent"},                                           // a group without its command (CLI11)
      {"invite", "list"},                                  // a required option missing (CLI11)
      {"invite", "--colony", "c1", "--type", "robot"},     // a value out of its set (CLI11)
      {"agent", "heartbeat-daemon", "--interval", "0"},    // a value out of its range (CLI11)
      {"status", "--colony", "c1", "--bogus"},             // an unknown option (CLI11)
      {"invite", "show", "ABC"},                           // mi's own check
      {"agent", "chat", ""},                               // mi's own check
  };
  for (const auto& args : mistakes) {
    auto result = run_mi(args, env);
    std::string command;
    for (const auto& arg : args) command += arg + " ";
    INFO("mi " << command << "\nstderr: " << result.err);
    CHECK(result.exit_code == 2);
    CHECK(result.err.rfind("error: ", 0) == 0);
    CHECK(result.err.find("Run with --help") == std::string::npos);
  }
}

TEST_CASE("every command's --help shows the global options", "[cli][usage]") {
  mi::test::TempDir home("mi-cli-usage");
  const auto& commands = every_command();
  for (auto args : commands) {
    args.push_back("--help");
    auto help = run_mi(args, isolated_env(home));
    INFO(args[0] + " " + args[args.size() - 2] + "\n" + help.out);
    CHECK(help.exit_code == 0);
    for (const char* global : {"--hub URL", "MI_HUB", "--json", "--admin-token TOKEN", "--ca-file FILE"}) {
      CHECK(help.out.find(global) != std::string::npos);
    }
  }
}
