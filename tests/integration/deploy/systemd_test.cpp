// deploy/mi-hub.service and deploy/mi-hub.env: systemd-analyze finds nothing to say about the
// unit and rates its sandbox, the stop timeout leaves room for the drain, every variable of the
// env file is one mi-hub reads, and a hub started with exactly that environment runs.

#include <catch2/catch.hpp>

#include <unistd.h>

#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "tests/integration/deploy/deploy_support.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/hub_process.hpp"
#include "tests/support/json_pointer.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/test_certificates.hpp"
#include "tests/support/test_redis.hpp"
#include "tests/support/tls_client.hpp"

using namespace mi::test;
using namespace mi::test::deploy;

namespace {

constexpr const char* kSystemdAnalyze = "/usr/bin/systemd-analyze";

// The value of the first `key=` line of a unit or env file (comments skipped).
std::optional<std::string> setting(const std::string& text, const std::string& key) {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(key + "=", 0) == 0) return line.substr(key.size() + 1);
  }
  return std::nullopt;
}

// The KEY=VALUE lines of an env file, in order; with `commented`, the "# MI_...=..." lines too
// (the examples the file offers to uncomment).
std::vector<std::pair<std::string, std::string>> env_lines(const std::string& text, bool commented) {
  std::vector<std::pair<std::string, std::string>> lines;
  static const std::regex kLine(R"(^(# )?(MI_[A-Z_]+)=(.*)$)");
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    std::smatch match;
    if (!std::regex_match(line, match, kLine)) continue;
    if (match[1].matched && !commented) continue;
    lines.emplace_back(match[2], match[3]);
  }
  return lines;
}

// systemd-analyze with `args`; its exit status and what it printed.
std::pair<int, std::string> systemd_analyze(const std::vector<std::string>& args, const std::filesystem::path& dir) {
  std::vector<std::string> argv{kSystemdAnalyze};
  argv.insert(argv.end(), args.begin(), args.end());
  Program program(argv, dir / "systemd-analyze.out");
  std::optional<int> status;
  eventually([&] { return !program.running(); }, std::chrono::seconds(30));
  status = program.stop();
  return {status.value_or(-1), program.log()};
}

double seconds_of(const std::string& value) {
  static const std::regex kSeconds(R"(^([0-9.]+)s?$)");
  std::smatch match;
  if (!std::regex_match(value, match, kSeconds)) throw std::runtime_error("not a number of seconds: " + value);
  return std::stod(match[1]);
}

}  // namespace

TEST_CASE("deploy/mi-hub.service: systemd-analyze verify says nothing, its sandbox rates OK", "[deploy][systemd]") {
  if (access(kSystemdAnalyze, X_OK) != 0) {
    WARN("skipped: " << kSystemdAnalyze << " is missing (Debian package systemd)");
    return;
  }
  TempDir dir("mi-deploy-systemd");
  // The unit names the installed binary; here, the one this build made (verify checks that
  // ExecStart's program exists and is executable).
  const auto unit = dir.path() / "mi-hub.service";
  write_text(unit, substituted("mi-hub.service", committed_file("mi-hub.service"),
                               {{"ExecStart=/usr/local/bin/mi-hub", "ExecStart=" + built_binary("mi-hub")}}));

  auto [verify_status, verify_output] = systemd_analyze({"verify", unit.string()}, dir.path());
  INFO("systemd-analyze verify:\n" << verify_output);
  if (verify_status != 0 && verify_output.find("mi-hub.service") == std::string::npos) {
    // Nothing about the unit: systemd-analyze itself cannot run here.
    WARN("skipped: systemd-analyze verify cannot run on this machine:\n" << verify_output);
    return;
  }
  CHECK(verify_status == 0);
  // Unknown keys and bad values are only warnings for systemd; here they fail.
  CHECK(verify_output.find("mi-hub.service") == std::string::npos);

  // The exposure score, 0 (locked down) to 10: at most 2 ("OK").
  auto [security_status, security_output] =
      systemd_analyze({"security", "--offline=yes", "--threshold=20", unit.string()}, dir.path());
  INFO("systemd-analyze security:\n" << security_output);
  CHECK(security_status == 0);
  CHECK(security_output.find("Overall exposure level for mi-hub.service") != std::string::npos);
}

TEST_CASE("deploy/mi-hub.service: what it promises of the drain, reload and limits", "[deploy][systemd]") {
  const auto unit = committed_file("mi-hub.service");
  const auto env = committed_file("mi-hub.env");
  // systemd must not kill the hub while it drains: the stop timeout is above the drain's.
  const auto drain = setting(env, "MI_DRAIN_TIMEOUT");
  const auto stop = setting(unit, "TimeoutStopSec");
  REQUIRE(drain);
  REQUIRE(stop);
  CHECK(seconds_of(*stop) > seconds_of(*drain) + 5);
  CHECK(setting(unit, "KillSignal") == "SIGTERM");
  // SIGTERM to the hub alone: it stops its embedded Redis itself, after the drain.
  CHECK(setting(unit, "KillMode") == "mixed");
  CHECK(setting(unit, "ExecReload") == "/bin/kill -HUP $MAINPID");
  CHECK(setting(unit, "LimitNOFILE") == "1048576");
  CHECK(setting(unit, "Restart") == "on-failure");
  CHECK(setting(unit, "EnvironmentFile") == "/etc/mi-hub/mi-hub.env");
  // The state directory is where the embedded Redis writes.
  CHECK(setting(unit, "StateDirectory") == "mi-hub");
  CHECK(setting(unit, "Environment") == "MI_DATA_DIR=/var/lib/mi-hub");
}

TEST_CASE("deploy/mi-hub.env: every variable is one mi-hub reads, and a hub runs on exactly that environment",
          "[deploy][systemd]") {
  const auto env = committed_file("mi-hub.env");
  TempDir dir("mi-deploy-env");

  // Each MI_* of the file, set or offered in a comment, is a flag's variable in `mi-hub --help`.
  Program help({built_binary("mi-hub"), "--help"}, dir.path() / "help.out");
  REQUIRE(eventually([&] { return !help.running(); }));
  const auto help_text = help.log();
  const auto all = env_lines(env, true);
  REQUIRE(all.size() >= 10);
  for (const auto& [name, value] : all) {
    INFO(name);
    CHECK(help_text.find("(Env:" + name + ")") != std::string::npos);
  }

  TestRedis redis;
  TestCertificates certificates;
  // As written (behind nginx), with only the address, the Redis and the data directory (which
  // the unit gives) made the test's.
  std::map<std::string, std::string> as_written;
  for (const auto& [name, value] : env_lines(env, false)) as_written[name] = value;
  REQUIRE(as_written.count("MI_LISTEN") == 1);
  REQUIRE(as_written.count("MI_REDIS") == 1);
  as_written["MI_LISTEN"] = "127.0.0.1:0";
  as_written["MI_REDIS"] = redis.process.url();
  as_written["MI_DATA_DIR"] = (dir.path() / "data").string();
  {
    Hub hub(dir.path() / "hub-nginx.log", {}, as_written);
    REQUIRE(eventually([&] { return http_request(hub.port(), "GET", "/readyz").status == 200; }, 10s));
    auto invite = http_request(hub.port(), "POST", "/v1/colonies/c1/invites", R"({"type":"agent"})",
                               {{"Authorization", "Bearer " + as_written["MI_ADMIN_TOKEN"]}});
    REQUIRE(invite.status == 201);
    CHECK(json_at(invite.body, "/url").value_or("").rfind(as_written["MI_PUBLIC_URL"] + "/r/", 0) == 0);
    CHECK(hub.log().find("trusted proxies: 127.0.0.1") != std::string::npos);
    // SIGTERM as systemd sends it: the drain ends well within the unit's TimeoutStopSec.
    CHECK(hub.process().stop(std::chrono::seconds(30)) == 0);
  }

  // With the HAProxy example uncommented (later lines win, as systemd reads the file), the
  // certificate paths made the test's.
  auto behind_haproxy = as_written;
  for (const auto& [name, value] : env_lines(env, true)) behind_haproxy[name] = value;
  REQUIRE(behind_haproxy.count("MI_TLS_CERT") == 1);
  behind_haproxy["MI_LISTEN"] = "127.0.0.1:0";
  behind_haproxy["MI_REDIS"] = redis.process.url();
  behind_haproxy["MI_TLS_CERT"] = certificates.server().cert;
  behind_haproxy["MI_TLS_KEY"] = certificates.server().key;
  Hub hub(dir.path() / "hub-haproxy.log", {}, behind_haproxy);
  CHECK(hub.log().find("mi-hub listening on https://127.0.0.1:") != std::string::npos);
  CHECK(hub.log().find("PROXY protocol required") != std::string::npos);
  CHECK(hub.process().stop(std::chrono::seconds(30)) == 0);
}
