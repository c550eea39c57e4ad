#include "hub/redis/redis_process.hpp"

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <system_error>
#include <thread>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

namespace mi::redis {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// Longest unix socket path we use: sockaddr_un.sun_path holds 108 bytes, keep a margin.
constexpr std::size_t max_socket_path = 100;

// A redis.conf string argument, quoted so that spaces and quotes in paths survive.
std::string quoted(const std::string& value) {
  std::string out = "\"";
  for (const char c : value) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

std::string last_lines(const fs::path& file, std::size_t count) {
  std::ifstream in(file);
  if (!in) return {};
  std::deque<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    lines.push_back(std::move(line));
    if (lines.size() > count) lines.pop_front();
  }
  std::string out;
  for (const auto& line : lines) out.append(line).append("\n");
  return out;
}

// The PATH lookup is done here, before fork: the child only calls async-signal-safe functions.
std::string find_executable(const std::string& name) {
  if (name.find('/') != std::string::npos) return name;
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "/usr/local/bin:/usr/bin:/bin");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    const fs::path candidate = fs::path(dir.empty() ? "." : dir) / name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
  }
  return name;  // execv fails in the child; the error shows in redis.stderr... as exit 127
}

bool answers_ping(const Endpoint& endpoint) {
  const timeval timeout{0, 200 * 1000};
  redisContext* raw = endpoint.kind == Endpoint::Kind::unix_socket
                          ? redisConnectUnixWithTimeout(endpoint.path.c_str(), timeout)
                          : redisConnectWithTimeout(endpoint.host.c_str(), endpoint.port, timeout);
  if (raw == nullptr) return false;
  const std::unique_ptr<redisContext, decltype(&redisFree)> context(raw, &redisFree);
  if (context->err != 0 || redisSetTimeout(context.get(), timeout) != REDIS_OK) return false;
  auto* reply = static_cast<redisReply*>(redisCommand(context.get(), "PING"));
  if (reply == nullptr) return false;
  // -LOADING while the append-only file is read back: not ready yet.
  const bool pong = reply->type == REDIS_REPLY_STATUS && std::string_view(reply->str, reply->len) == "PONG";
  freeReplyObject(reply);
  return pong;
}

// Non-blocking reap. True if `pid` has exited (and is reaped) or is not our child.
bool reaped(pid_t pid) {
  int status = 0;
  const pid_t result = ::waitpid(pid, &status, WNOHANG);
  return result == pid || (result < 0 && errno == ECHILD);
}

void reap_blocking(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
}

}  // namespace

unsigned short find_free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::system_error(errno, std::generic_category(), "find_free_port: socket");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;  // the kernel picks a free one
  socklen_t size = sizeof address;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size) != 0) {
    const int error = errno;
    ::close(fd);
    throw std::system_error(error, std::generic_category(), "find_free_port: bind");
  }
  ::close(fd);
  return ntohs(address.sin_port);
}

RedisProcess::RedisProcess(RedisProcessOptions options) : options_(std::move(options)) {
  fs::create_directories(options_.data_dir);
  options_.data_dir = fs::absolute(options_.data_dir);

  const std::string socket_path = (options_.data_dir / "redis.sock").string();
  const bool unix_socket = options_.use_unix_socket && socket_path.size() <= max_socket_path;
  if (unix_socket) {
    endpoint_.kind = Endpoint::Kind::unix_socket;
    endpoint_.path = socket_path;
    endpoint_.host.clear();
    endpoint_.port = 0;
  }

  // A free port can be taken between find_free_port() and redis' bind: pick another then.
  for (int attempt = 1;; ++attempt) {
    if (!unix_socket) {
      endpoint_.kind = Endpoint::Kind::tcp;
      endpoint_.host = "127.0.0.1";
      endpoint_.port = find_free_port();
    }
    write_config();
    try {
      launch();
      return;
    } catch (const std::runtime_error&) {
      const bool port_taken =
          last_lines(options_.data_dir / "redis.log", 20).find("Address already in use") != std::string::npos;
      if (unix_socket || !port_taken || attempt == 3) throw;
    }
  }
}

RedisProcess::~RedisProcess() { stop(); }

void RedisProcess::write_config() const {
  const fs::path& dir = options_.data_dir;
  std::ofstream out(dir / "redis.conf", std::ios::trunc);
  out << "# Written by mi-hub (RedisProcess); rewritten at every start.\n"
      << "bind 127.0.0.1\n"
      << "protected-mode no\n"
      << "daemonize no\n"
      << "supervised no\n"
      << "dir " << quoted(dir.string()) << "\n"
      << "logfile " << quoted((dir / "redis.log").string()) << "\n"
      << "maxclients 10000\n"
      << "save \"\"\n"
      << "appendonly " << (options_.persistence ? "yes" : "no") << "\n"
      // Every write on disk before Redis answers it: a redemption answered with `welcome` survives
      // a crash of Redis or of the whole machine.
      << "appendfsync " << (options_.persistence ? "always" : "no") << "\n";
  if (endpoint_.kind == Endpoint::Kind::unix_socket) {
    out << "port 0\n"
        << "unixsocket " << quoted(endpoint_.path) << "\n"
        << "unixsocketperm 700\n";
  } else {
    out << "port " << endpoint_.port << "\n";
  }
  for (const auto& line : options_.extra_config) out << line << "\n";
  out.flush();
  if (!out) throw std::runtime_error("cannot write " + (dir / "redis.conf").string());
}

void RedisProcess::launch() {
  const std::string program = find_executable(options_.redis_server);
  const std::string config = (options_.data_dir / "redis.conf").string();
  // What redis prints before it opens its logfile (e.g. a config error) goes here.
  const std::string early_output = (options_.data_dir / "redis.stderr").string();

  const int output_fd = ::open(early_output.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  const int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (output_fd < 0 || null_fd < 0) {
    const int error = errno;
    if (output_fd >= 0) ::close(output_fd);
    if (null_fd >= 0) ::close(null_fd);
    throw std::system_error(error, std::generic_category(), "RedisProcess: open " + early_output);
  }

  char* const argv[] = {const_cast<char*>(program.c_str()), const_cast<char*>(config.c_str()), nullptr};
  const pid_t parent = ::getpid();
  const pid_t child = ::fork();
  if (child == 0) {
    // In the child: async-signal-safe calls only. Die with the parent (not a process group of
    // our own), even when it is killed: the kernel sends SIGTERM when the forking thread exits.
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != parent) ::_exit(1);  // the parent died before prctl took effect
    ::dup2(null_fd, STDIN_FILENO);
    ::dup2(output_fd, STDOUT_FILENO);
    ::dup2(output_fd, STDERR_FILENO);
    ::close_range(3, ~0U, 0);  // nothing of the parent's (sockets, files) leaks into redis
    // Ignored signals and the mask survive exec; give redis a clean slate.
    struct sigaction default_action {};
    default_action.sa_handler = SIG_DFL;
    sigemptyset(&default_action.sa_mask);
    for (const int signal_number : {SIGPIPE, SIGTERM, SIGINT, SIGHUP, SIGCHLD})
      ::sigaction(signal_number, &default_action, nullptr);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::execv(program.c_str(), argv);
    ::_exit(127);
  }
  const int fork_error = errno;
  ::close(output_fd);
  ::close(null_fd);
  if (child < 0) throw std::system_error(fork_error, std::generic_category(), "RedisProcess: fork");
  pid_ = child;

  const auto deadline = Clock::now() + options_.start_timeout;
  while (true) {
    if (answers_ping(endpoint_)) return;
    std::string why;
    if (reaped(pid_)) {
      pid_ = -1;
      why = "redis-server exited during startup";
    } else if (Clock::now() >= deadline) {
      kill();
      why = "redis-server did not answer PING within " + std::to_string(options_.start_timeout.count()) + " ms";
    }
    if (!why.empty()) {
      throw std::runtime_error(why + " (" + program + " " + config + ")\n--- redis.log ---\n" +
                               last_lines(options_.data_dir / "redis.log", 20) + "--- redis.stderr ---\n" +
                               last_lines(early_output, 10));
    }
    std::this_thread::sleep_for(20ms);
  }
}

bool RedisProcess::running() {
  if (pid_ <= 0) return false;
  if (reaped(pid_)) {
    pid_ = -1;
    return false;
  }
  return true;
}

void RedisProcess::restart() {
  stop();
  launch();  // same redis.conf: same socket or port, same data
}

void RedisProcess::stop() {
  if (pid_ <= 0) return;
  const pid_t pid = pid_;
  pid_ = -1;
  if (::kill(pid, SIGTERM) != 0 && errno == ESRCH) {
    reaped(pid);
    return;
  }
  const auto deadline = Clock::now() + options_.stop_timeout;
  while (Clock::now() < deadline) {
    if (reaped(pid)) return;
    std::this_thread::sleep_for(5ms);
  }
  ::kill(pid, SIGKILL);  // it did not finish its shutdown in time
  reap_blocking(pid);
}

void RedisProcess::kill() {
  if (pid_ <= 0) return;
  const pid_t pid = pid_;
  pid_ = -1;
  ::kill(pid, SIGKILL);
  reap_blocking(pid);
}

}  // namespace mi::redis
