#pragma once
// Running the real `mi` (and, for restarts, a real `mi-hub` that keeps its port) as child processes:
// their output is captured in files, their environment is exactly what the test gives them, and
// every wait has a deadline.

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "tests/support/http_client.hpp"
#include "tests/support/hub_process.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/tls_client.hpp"

extern char** environ;

namespace mi::test::cli {

using namespace std::chrono_literals;
using Env = std::map<std::string, std::string>;

// The test's environment without any MI_* variable, plus `extra`: a developer's own MI_HUB or
// MI_HOME must not leak into a test.
inline std::vector<std::string> child_environment(const Env& extra) {
  std::vector<std::string> result;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    std::string text(*entry);
    if (text.rfind("MI_", 0) == 0) continue;
    const auto name = text.substr(0, text.find('='));
    if (extra.count(name) == 0) result.push_back(text);
  }
  for (const auto& [name, value] : extra) result.push_back(name + "=" + value);
  return result;
}

inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

inline void write_file(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

class ChildProcess {
 public:
  ChildProcess(std::vector<std::string> argv, const Env& env) : output_("mi-cli-child") {
    auto environment = child_environment(env);
    const auto out_path = output_.path() / "stdout";
    const auto err_path = output_.path() / "stderr";
    pid_ = fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
      const int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      const int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      const int null = open("/dev/null", O_RDONLY);
      dup2(null, STDIN_FILENO);
      dup2(out, STDOUT_FILENO);
      dup2(err, STDERR_FILENO);
      std::vector<char*> args;
      for (auto& arg : argv) args.push_back(arg.data());
      args.push_back(nullptr);
      std::vector<char*> envp;
      for (auto& entry : environment) envp.push_back(entry.data());
      envp.push_back(nullptr);
      execve(args[0], args.data(), envp.data());
      _exit(127);
    }
  }
  ~ChildProcess() {
    if (running()) {
      ::kill(pid_, SIGKILL);
      int status = 0;
      waitpid(pid_, &status, 0);
    }
  }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  bool running() { return !exit_code_ && !reap(); }
  void signal(int signal_number) {
    if (running()) ::kill(pid_, signal_number);
  }

  // The exit status (128 + signal when killed by one), or nothing if still running at the deadline.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!exit_code_) {
      if (reap()) break;
      if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
      std::this_thread::sleep_for(10ms);
    }
    return exit_code_;
  }

  std::string out() const { return read_file(output_.path() / "stdout"); }
  std::string err() const { return read_file(output_.path() / "stderr"); }

  // Waits until `done(stdout, stderr)` holds; false at the deadline.
  bool wait_for(const std::function<bool(const std::string&, const std::string&)>& done,
                std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (done(out(), err())) return true;
      std::this_thread::sleep_for(20ms);
    }
    return done(out(), err());
  }

 private:
  // True once the child has exited (and its status is kept); never blocks.
  bool reap() {
    int status = 0;
    const pid_t result = waitpid(pid_, &status, WNOHANG);
    if (result != pid_) return false;
    exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return true;
  }

  TempDir output_;
  pid_t pid_ = -1;
  std::optional<int> exit_code_;
};

struct MiResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

inline std::vector<std::string> mi_argv(const std::vector<std::string>& args) {
  std::vector<std::string> argv{built_binary("mi")};
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

// Runs `mi args...` to completion; a run past `timeout` is killed and reported as exit -1.
inline MiResult run_mi(const std::vector<std::string>& args, const Env& env, std::chrono::milliseconds timeout = 30s) {
  ChildProcess child(mi_argv(args), env);
  MiResult result;
  const auto exit_code = child.wait_exit(timeout);
  result.exit_code = exit_code.value_or(-1);
  result.out = child.out();
  result.err = child.err();
  return result;
}

// Starts `mi args...` and leaves it running (a daemon, a watch).
inline std::unique_ptr<ChildProcess> start_mi(const std::vector<std::string>& args, const Env& env) {
  return std::make_unique<ChildProcess>(mi_argv(args), env);
}

// The certificate an HubOnPort serves HTTPS and WSS with (--tls-cert, --tls-key), and the CA
// that issued it, which its readiness probe trusts. The hub reads the pair from files of its own,
// so that a test can put another pair in their place and reload it (SIGHUP) or restart on it.
struct HubTls {
  std::string cert_file;
  std::string key_file;
  std::string ca_file;
};

// An mi-hub that can be stopped and started again at the same address (HubProcess picks a new
// port each time). The first start takes a port the system picks, so that no other process can
// take it between a choice and the bind; the restarts reuse it.
class HubOnPort {
 public:
  // `extra_args`: more flags. With no --offline-grace among them the hub runs with none, so that
  // an agent that drops is offline at once, as most tests expect.
  explicit HubOnPort(std::string redis_url, std::string admin_token = "test-admin-token",
                     std::optional<HubTls> tls = std::nullopt, std::vector<std::string> extra_args = {})
      : redis_url_(std::move(redis_url)),
        admin_token_(std::move(admin_token)),
        tls_(std::move(tls)),
        extra_args_(std::move(extra_args)) {
    static int started = 0;
    hub_id_ = "cli-test-hub-" + std::to_string(getpid()) + "-" + std::to_string(++started);
    start();
  }

  // Starts it and waits until /readyz says 200 (over TLS verified against the CA, with TLS).
  void start() {
    launch();
    const auto deadline = std::chrono::steady_clock::now() + 15s;
    while (std::chrono::steady_clock::now() < deadline) {
      if (!process_->running()) throw std::runtime_error("mi-hub exited at start:\n" + process_->err());
      if (port_ == 0) port_ = listening_port(process_->out());
      if (port_ != 0 && ready()) return;
      std::this_thread::sleep_for(50ms);
    }
    throw std::runtime_error("mi-hub did not become ready:\n" + process_->err());
  }

  // Starts it and waits only until it listens: for a hub serving a certificate that the
  // readiness probe rightly refuses (an expired one, say).
  void start_listening() {
    launch();
    const auto deadline = std::chrono::steady_clock::now() + 15s;
    while (std::chrono::steady_clock::now() < deadline) {
      if (!process_->running()) throw std::runtime_error("mi-hub exited at start:\n" + process_->err());
      if (listening_port(process_->out()) != 0) return;
      std::this_thread::sleep_for(50ms);
    }
    throw std::runtime_error("mi-hub did not listen:\n" + process_->err());
  }

  // SIGHUP: a TLS hub reads its certificate files again, for new connections.
  void reload() { process_->signal(SIGHUP); }

  // SIGTERM (the hub closes every WebSocket with 1012) and the exit status.
  std::optional<int> stop() {
    process_->signal(SIGTERM);
    return process_->wait_exit(15s);
  }

  std::string url() const { return (tls_ ? "https://127.0.0.1:" : "http://127.0.0.1:") + std::to_string(port_); }
  unsigned short port() const { return port_; }
  const std::string& admin_token() const { return admin_token_; }
  std::string log() const { return process_->err(); }

 private:
  void launch() {
    std::vector<std::string> argv = {built_binary("mi-hub"),
                                     "--listen", "127.0.0.1:" + std::to_string(port_),
                                     "--redis", redis_url_,
                                     "--env", "test",
                                     "--admin-token", admin_token_,
                                     "--presence-ttl", "2",
                                     "--hub-id", hub_id_};
    if (tls_) argv.insert(argv.end(), {"--tls-cert", tls_->cert_file, "--tls-key", tls_->key_file});
    if (std::find(extra_args_.begin(), extra_args_.end(), "--offline-grace") == extra_args_.end()) {
      argv.insert(argv.end(), {"--offline-grace", "0"});
    }
    argv.insert(argv.end(), extra_args_.begin(), extra_args_.end());
    process_ = std::make_unique<ChildProcess>(argv, Env{});
  }

  bool ready() const {
    if (!tls_) return http_request(port_, "GET", "/readyz", "", {}, 500ms).status == 200;
    TlsClientOptions probe;
    probe.ca_file = tls_->ca_file;
    probe.timeout = 500ms;
    return https_request(port_, "GET", "/readyz", probe).status == 200;
  }

  // The port of the line mi-hub prints on stdout once it listens; 0 before that line.
  static unsigned short listening_port(const std::string& out) {
    const auto line = out.find("mi-hub listening on ");
    if (line == std::string::npos) return 0;
    constexpr std::string_view kAddress = "://127.0.0.1:";
    const auto at = out.find(kAddress, line);
    if (at == std::string::npos) return 0;
    return static_cast<unsigned short>(std::stoi(out.substr(at + kAddress.size())));
  }

  std::string redis_url_;
  unsigned short port_ = 0;
  std::string admin_token_;
  std::optional<HubTls> tls_;
  std::vector<std::string> extra_args_;
  std::string hub_id_;
  std::unique_ptr<ChildProcess> process_;
};

}  // namespace mi::test::cli
