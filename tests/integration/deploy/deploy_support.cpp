#include "tests/integration/deploy/deploy_support.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include "hub/redis/redis_process.hpp"
#include "tests/support/hub_process.hpp"

#ifndef MI_SOURCE_DIR
#error "MI_SOURCE_DIR must name the source tree"
#endif

extern char** environ;

namespace mi::test::deploy {

std::string committed_file(const std::string& name) {
  const auto path = std::filesystem::path(MI_SOURCE_DIR) / "deploy" / name;
  if (!std::filesystem::exists(path)) throw std::runtime_error(path.string() + " does not exist");
  return read_text(path);
}

std::string substituted(const std::string& name, const std::string& text, const std::vector<Substitution>& substitutions) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  for (const auto& substitution : substitutions) {
    int found = 0;
    for (auto& line : lines) {
      const auto first = line.find_first_not_of(" \t");
      if (first == std::string::npos || line[first] == '#') continue;
      for (auto at = line.find(substitution.from); at != std::string::npos;
           at = line.find(substitution.from, at + substitution.to.size())) {
        line.replace(at, substitution.from.size(), substitution.to);
        ++found;
      }
    }
    if (found != substitution.count) {
      throw std::runtime_error("deploy/" + name + ": the test replaces '" + substitution.from + "' (expected " +
                               std::to_string(substitution.count) + " time(s) outside comments, found " +
                               std::to_string(found) + "); the file no longer has it as the test knows it");
    }
  }
  std::string result;
  for (const auto& line : lines) result += line + "\n";
  return result;
}

void write_text(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

unsigned short free_port() { return redis::find_free_port(); }

bool ipv6_loopback_available() {
  const int fd = ::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in6 address{};
  address.sin6_family = AF_INET6;
  address.sin6_addr = in6addr_loopback;
  const bool bound = ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  ::close(fd);
  return bound;
}

// ---- Program

Program::Program(std::vector<std::string> argv, std::filesystem::path log,
                 const std::map<std::string, std::string>& environment)
    : log_(std::move(log)) {
  std::vector<std::string> env;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    std::string text(*entry);
    const auto name = text.substr(0, text.find('='));
    if (text.rfind("MI_", 0) == 0 || environment.count(name) != 0) continue;
    env.push_back(text);
  }
  for (const auto& [name, value] : environment) env.push_back(name + "=" + value);

  pid_ = fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    setpgid(0, 0);
    const int out = open(log_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int null = open("/dev/null", O_RDONLY);
    dup2(null, STDIN_FILENO);
    dup2(out, STDOUT_FILENO);
    dup2(out, STDERR_FILENO);
    std::vector<char*> args;
    for (auto& arg : argv) args.push_back(arg.data());
    args.push_back(nullptr);
    std::vector<char*> envp;
    for (auto& entry : env) envp.push_back(entry.data());
    envp.push_back(nullptr);
    execve(args[0], args.data(), envp.data());
    _exit(127);
  }
  // Both sides set the group, so that a signal sent right after this returns reaches it.
  setpgid(pid_, pid_);
}

Program::~Program() {
  if (pid_ > 0 && !exit_status_) stop(5s);
}

bool Program::running() {
  if (exit_status_) return false;
  int status = 0;
  if (waitpid(pid_, &status, WNOHANG) != pid_) return true;
  exit_status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  // What the leader leaves behind (nginx's workers outlive a master that died) goes with it.
  kill_group(SIGKILL);
  return false;
}

void Program::kill_group(int signal_number) {
  if (pid_ > 0) ::kill(-pid_, signal_number);
}

std::optional<int> Program::stop(std::chrono::milliseconds timeout) {
  if (!running()) return exit_status_;
  kill_group(SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (running()) {
    if (std::chrono::steady_clock::now() >= deadline) {
      kill_group(SIGKILL);
      int status = 0;
      waitpid(pid_, &status, 0);
      exit_status_ = 128 + SIGKILL;
      return std::nullopt;
    }
    std::this_thread::sleep_for(10ms);
  }
  return exit_status_;
}

bool Program::wait_for_log(std::string_view text, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (log().find(text) != std::string::npos) return true;
    if (!running() || std::chrono::steady_clock::now() >= deadline) return log().find(text) != std::string::npos;
    std::this_thread::sleep_for(20ms);
  }
}

// ---- Hub

Hub::Hub(const std::filesystem::path& log, std::vector<std::string> flags,
         const std::map<std::string, std::string>& environment) {
  std::vector<std::string> argv{built_binary("mi-hub")};
  argv.insert(argv.end(), flags.begin(), flags.end());
  process_ = std::make_unique<Program>(argv, log, environment);
  constexpr std::string_view kListening = "mi-hub listening on ";
  if (!process_->wait_for_log(kListening)) throw std::runtime_error("mi-hub did not listen:\n" + process_->log());
  const auto text = process_->log();
  const auto line = text.find(kListening);
  const auto address = text.find("://127.0.0.1:", line);
  if (address == std::string::npos) throw std::runtime_error("mi-hub listens elsewhere than 127.0.0.1:\n" + text);
  port_ = static_cast<unsigned short>(std::stoi(text.substr(address + std::strlen("://127.0.0.1:"))));
}

std::vector<std::string> hub_flags(const std::string& redis_url, const std::string& hub_id,
                                   std::vector<std::string> more) {
  std::vector<std::string> flags = {"--listen", "127.0.0.1:0", "--redis", redis_url, "--env", "deploy-test",
                                    "--admin-token", kAdminToken, "--presence-ttl", "2", "--hub-id", hub_id,
                                    "--shards", "1"};
  flags.insert(flags.end(), more.begin(), more.end());
  return flags;
}

// ---- HAProxy's stats socket

std::string haproxy_stats(const std::filesystem::path& socket_path, const std::string& command) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return {};
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, socket_path.c_str(), sizeof address.sun_path - 1);
  timeval timeout{2, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  std::string answer;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0) {
    const std::string line = command + "\n";
    if (::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size())) {
      char chunk[4096];
      for (ssize_t n; (n = ::read(fd, chunk, sizeof chunk)) > 0;) answer.append(chunk, static_cast<std::size_t>(n));
    }
  }
  ::close(fd);
  return answer;
}

namespace {

std::vector<std::string> csv_fields(const std::string& line) {
  std::vector<std::string> fields;
  std::size_t start = 0;
  for (;;) {
    const auto comma = line.find(',', start);
    fields.push_back(line.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (comma == std::string::npos) return fields;
    start = comma + 1;
  }
}

}  // namespace

std::string server_state(const std::string& show_stat, const std::string& backend, const std::string& server) {
  std::istringstream in(show_stat);
  std::vector<std::string> header;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("# ", 0) == 0) {
      header = csv_fields(line.substr(2));
      continue;
    }
    const auto fields = csv_fields(line);
    if (fields.size() < 2 || fields[0] != backend || fields[1] != server) continue;
    auto column = [&](const std::string& name) -> std::string {
      for (std::size_t i = 0; i < header.size() && i < fields.size(); ++i) {
        if (header[i] == name) return fields[i];
      }
      return "?";
    };
    return column("status") + " " + column("check_status") + " " + column("check_code");
  }
  return {};
}

// ---- WssFrom

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
namespace websocket = beast::websocket;

struct WssFrom::Impl {
  asio::io_context io;
  ssl::context context{ssl::context::tls_client};
  websocket::stream<beast::ssl_stream<beast::tcp_stream>> ws{io, context};
  beast::flat_buffer buffer;
  bool open = false;

  // Runs the loop until `done` or the deadline; past it the connection is closed.
  template <class Done>
  bool run_until(Done done, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    io.restart();
    while (!done()) {
      const auto now = std::chrono::steady_clock::now();
      if (now >= deadline) {
        beast::get_lowest_layer(ws).close();
        io.restart();
        io.run_for(1s);
        open = false;
        return false;
      }
      io.run_one_for(deadline - now);
    }
    return true;
  }
};

WssFrom::WssFrom(unsigned short port, const std::string& source_address, const std::string& ca_file,
                 const std::map<std::string, std::string>& headers)
    : impl_(std::make_unique<Impl>()) {
  auto& impl = *impl_;
  impl.context.set_verify_mode(ssl::verify_peer);
  impl.context.load_verify_file(ca_file);
  SSL_CTX_set_min_proto_version(impl.context.native_handle(), TLS1_2_VERSION);
  SSL* tls = impl.ws.next_layer().native_handle();
  X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(tls), "127.0.0.1");
  static const unsigned char kAlpn[] = "\x08http/1.1";
  SSL_set_alpn_protos(tls, kAlpn, sizeof kAlpn - 1);

  auto& tcp = beast::get_lowest_layer(impl.ws);
  beast::error_code error;
  tcp.socket().open(asio::ip::tcp::v4(), error);
  if (!error) tcp.socket().bind(asio::ip::tcp::endpoint(asio::ip::make_address(source_address), 0), error);
  if (error) {
    detail_ = "bind to " + source_address + ": " + error.message();
    return;
  }
  bool done = false;
  tcp.async_connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), [&](beast::error_code ec) {
    error = ec;
    done = true;
  });
  if (!impl.run_until([&] { return done; }, 5s) || error) {
    detail_ = "connect: " + (error ? error.message() : std::string("timed out"));
    return;
  }
  done = false;
  impl.ws.next_layer().async_handshake(ssl::stream_base::client, [&](beast::error_code ec) {
    error = ec;
    done = true;
  });
  if (!impl.run_until([&] { return done; }, 5s) || error) {
    detail_ = "TLS: " + (error ? error.message() : std::string("timed out"));
    return;
  }
  impl.ws.set_option(websocket::stream_base::decorator([headers](websocket::request_type& request) {
    for (const auto& [name, value] : headers) request.set(name, value);
  }));
  websocket::response_type response;
  done = false;
  impl.ws.async_handshake(response, "127.0.0.1:" + std::to_string(port), "/v1/ws", [&](beast::error_code ec) {
    error = ec;
    done = true;
  });
  const bool answered = impl.run_until([&] { return done; }, 5s);
  status_ = static_cast<int>(response.result_int());
  detail_ = response.body();
  if (!answered) detail_ = "no answer to the upgrade";
  impl.open = answered && !error && status_ == 101;
}

WssFrom::~WssFrom() = default;

bool WssFrom::send(const std::string& text) {
  auto& impl = *impl_;
  if (!impl.open) return false;
  beast::error_code error;
  bool done = false;
  impl.ws.text(true);
  impl.ws.async_write(asio::buffer(text), [&](beast::error_code ec, std::size_t) {
    error = ec;
    done = true;
  });
  return impl.run_until([&] { return done; }, 5s) && !error;
}

std::optional<std::string> WssFrom::receive(std::chrono::milliseconds timeout) {
  auto& impl = *impl_;
  if (!impl.open) return std::nullopt;
  beast::error_code error;
  bool done = false;
  impl.buffer.clear();
  impl.ws.async_read(impl.buffer, [&](beast::error_code ec, std::size_t) {
    error = ec;
    done = true;
  });
  if (!impl.run_until([&] { return done; }, timeout) || error) {
    impl.open = false;
    return std::nullopt;
  }
  return beast::buffers_to_string(impl.buffer.data());
}

}  // namespace mi::test::deploy
