#include "tests/support/hub_process.hpp"

#include <algorithm>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string_view>
#include <thread>

#include "hub/redis/redis_process.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/tls_client.hpp"

#ifndef MI_BIN_DIR
#error "MI_BIN_DIR must name the build's bin directory"
#endif

namespace mi::test {

std::string built_binary(const std::string& name) { return std::string(MI_BIN_DIR) + "/" + name; }

HubProcess::HubProcess(HubOptions options) : options_(std::move(options)) {
  static int started = 0;
  const auto name = std::to_string(getpid()) + "-" + std::to_string(++started);
  hub_id_ = options_.hub_id.empty() ? "test-hub-" + name : options_.hub_id;
  port_ = options_.system_picks_port ? 0 : redis::find_free_port();
  log_path_ = options_.log_path.empty() ? std::filesystem::temp_directory_path() / ("mi-hub-test-" + name + ".log")
                                        : options_.log_path;
  std::vector<std::string> args = {built_binary("mi-hub"),
                                   "--listen", "127.0.0.1:" + std::to_string(port_),
                                   "--redis", options_.redis_url,
                                   "--env", options_.env,
                                   "--admin-token", options_.admin_token,
                                   "--presence-ttl", options_.presence_ttl,
                                   "--hub-id", hub_id_,
                                   "--shards", "2",
                                   "--log-level", "debug"};
  if (!options_.tls_cert.empty()) {
    args.insert(args.end(), {"--tls-cert", options_.tls_cert, "--tls-key", options_.tls_key});
  }
  if (std::find(options_.extra_args.begin(), options_.extra_args.end(), "--offline-grace") == options_.extra_args.end()) {
    args.insert(args.end(), {"--offline-grace", options_.offline_grace});
  }
  args.insert(args.end(), options_.extra_args.begin(), options_.extra_args.end());

  pid_ = fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    int log_fd = open(log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (log_fd >= 0) {
      dup2(log_fd, STDOUT_FILENO);
      dup2(log_fd, STDERR_FILENO);
    }
    std::vector<char*> argv;
    for (auto& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (std::chrono::steady_clock::now() < deadline) {
    if (!running()) throw std::runtime_error("mi-hub exited at start:\n" + log());
    if (port_ == 0) {
      // The line mi-hub prints on stdout once it is listening.
      const std::string kListening =
          options_.tls_cert.empty() ? "mi-hub listening on http://127.0.0.1:" : "mi-hub listening on https://127.0.0.1:";
      auto text = log();
      auto at = text.find(kListening);
      if (at == std::string::npos) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        continue;
      }
      port_ = static_cast<unsigned short>(std::stoi(text.substr(at + kListening.size())));
    }
    const std::string probe = options_.wait_ready ? "/readyz" : "/healthz";
    auto reply = options_.tls_cert.empty()
                     ? http_request(port_, "GET", probe, "", {}, std::chrono::milliseconds(500))
                     : https_request(port_, "GET", probe, {options_.ca_file, 0, 0, "http/1.1", std::chrono::milliseconds(500)});
    if (reply.status == 200) {
      // From the log line the hub writes when it starts listening: "(instance <name>)".
      constexpr std::string_view kInstance = "(instance ";
      auto text = log();
      auto at = text.find(kInstance);
      auto end = at == std::string::npos ? at : text.find(')', at);
      if (end == std::string::npos) throw std::runtime_error("mi-hub did not log its instance:\n" + text);
      instance_ = text.substr(at + kInstance.size(), end - at - kInstance.size());
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  kill();
  throw std::runtime_error("mi-hub did not become ready:\n" + log());
}

HubProcess::~HubProcess() {
  if (pid_ > 0) kill();
}

bool HubProcess::running() {
  if (pid_ <= 0) return false;
  int status = 0;
  auto result = waitpid(pid_, &status, WNOHANG);
  if (result == pid_) {
    pid_ = -1;
    return false;
  }
  return result == 0;
}

int HubProcess::terminate(std::chrono::milliseconds timeout) {
  send_sigterm();
  return wait_exit(timeout);
}

void HubProcess::send_sighup() {
  if (pid_ > 0) ::kill(pid_, SIGHUP);
}

void HubProcess::send_sigterm() {
  if (pid_ > 0) ::kill(pid_, SIGTERM);
}

int HubProcess::wait_exit(std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return -1;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      if (WIFEXITED(status)) return WEXITSTATUS(status);
      if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
      return -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  kill();
  return -1;
}

void HubProcess::kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
}

std::string HubProcess::log() const {
  std::ifstream in(log_path_);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace mi::test
