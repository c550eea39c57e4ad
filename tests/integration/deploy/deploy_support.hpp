#pragma once
// Running the files of deploy/ as they are committed: each is read from the source tree, only
// its ports, paths and certificate names are replaced (every replacement must find its
// placeholder, so that a changed file fails the test instead of silently escaping it), and the
// real program (nginx, haproxy, mi-hub) runs it from a temporary directory.

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tests/support/temp_dir.hpp"

namespace mi::test::deploy {

using namespace std::chrono_literals;

// deploy/<name> as committed.
std::string committed_file(const std::string& name);

// One replacement: `from` must occur exactly `count` times on the file's lines that are not
// comments (a line whose first non-blank character is '#'); comments are left as they are.
struct Substitution {
  std::string from;
  std::string to;
  int count = 1;
};

// `text` (the file `name`) with every substitution made; throws std::runtime_error naming the
// file and the placeholder when one is not found as often as expected.
std::string substituted(const std::string& name, const std::string& text, const std::vector<Substitution>& substitutions);

void write_text(const std::filesystem::path& path, const std::string& text);
std::string read_text(const std::filesystem::path& path);

// A port free on 127.0.0.1 now (another process may still take it before it is bound).
unsigned short free_port();
// Whether this machine can bind [::1] (containers without IPv6 cannot).
bool ipv6_loopback_available();

// A program started in a process group of its own, stdout and stderr to `log`, with the test's
// environment less its MI_* variables, plus `environment`. The destructor stops the whole group (nginx's workers too): SIGTERM, then
// SIGKILL after 5 s.
class Program {
 public:
  Program(std::vector<std::string> argv, std::filesystem::path log,
          const std::map<std::string, std::string>& environment = {});
  ~Program();
  Program(const Program&) = delete;
  Program& operator=(const Program&) = delete;

  bool running();
  std::string log() const { return read_text(log_); }
  pid_t pid() const { return pid_; }
  // SIGTERM to the group and the leader's exit status (128 + signal when killed by one), or
  // nothing if it outlives `timeout` (the group is then killed).
  std::optional<int> stop(std::chrono::milliseconds timeout = 10s);
  // Waits until `text` appears in the log; false when the deadline passes or it exits first.
  bool wait_for_log(std::string_view text, std::chrono::milliseconds timeout = 15s);

 private:
  void kill_group(int signal_number);

  pid_t pid_ = -1;
  std::optional<int> exit_status_;
  std::filesystem::path log_;
};

// An mi-hub on 127.0.0.1, its port chosen by the system and read from the line it prints once
// it listens ("mi-hub listening on http(s)://127.0.0.1:PORT"). It is not asked whether it is
// ready: behind --proxy-protocol it answers nobody who does not send the header.
class Hub {
 public:
  Hub(const std::filesystem::path& log, std::vector<std::string> flags,
      const std::map<std::string, std::string>& environment = {});

  unsigned short port() const { return port_; }
  Program& process() { return *process_; }
  std::string log() const { return process_->log(); }

 private:
  std::unique_ptr<Program> process_;
  unsigned short port_ = 0;
};

// The flags every test hub takes: its Redis, env, admin token, a short presence TTL, a hub id.
std::vector<std::string> hub_flags(const std::string& redis_url, const std::string& hub_id,
                                   std::vector<std::string> more);

constexpr const char* kAdminToken = "deploy-test-admin-token";

// What HAProxy's stats socket answers to `command` ("show stat"); empty when it cannot be reached.
std::string haproxy_stats(const std::filesystem::path& socket, const std::string& command);

// The "status", "check_status" and "check_code" of server `server` of `backend` in a `show
// stat` CSV, joined by spaces ("UP L7OK 200"); empty when the server is not listed.
std::string server_state(const std::string& show_stat, const std::string& backend, const std::string& server);

// A WebSocket over TLS from a chosen source address (127.0.0.2, to be a client other than the
// proxy), the server verified against `ca_file` for 127.0.0.1, with extra upgrade headers. For
// the budgets behind a proxy: the support clients connect from the system's choice of address.
class WssFrom {
 public:
  WssFrom(unsigned short port, const std::string& source_address, const std::string& ca_file,
          const std::map<std::string, std::string>& headers = {});
  ~WssFrom();
  WssFrom(const WssFrom&) = delete;
  WssFrom& operator=(const WssFrom&) = delete;

  // The status of the upgrade's response (101 when it upgraded; 0 when there was none).
  int status() const { return status_; }
  // The response body of a refused upgrade, or why there was no response.
  const std::string& detail() const { return detail_; }

  bool send(const std::string& text);
  // The next text message; nothing on close, or on timeout (which ends the connection).
  std::optional<std::string> receive(std::chrono::milliseconds timeout = 5s);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  int status_ = 0;
  std::string detail_;
};

}  // namespace mi::test::deploy
