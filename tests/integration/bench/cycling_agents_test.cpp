// The transitions scenario's agents against a scripted loopback server: every cycle they start
// ends (upgrade, hello, welcome, hold, close answered), and a refused upgrade is a failure that
// names its cause.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "bench/loadgen/agent_client.hpp"
#include "bench/loadgen/cycling_agents.hpp"
#include "bench/loadgen/net.hpp"

using namespace mi::bench;

namespace {

// Reads from `fd` until `done(received)` or the peer closes; false on EOF or a 5 s silence.
template <class Done>
bool read_until(int fd, std::string& received, Done done) {
  char buffer[4096];
  while (!done(received)) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 5000) <= 0) return false;
    auto got = ::recv(fd, buffer, sizeof buffer, 0);
    if (got <= 0) return false;
    received.append(buffer, static_cast<std::size_t>(got));
  }
  return true;
}

// A whole client frame (masked, short) is at the front of `bytes`.
bool has_client_frame(const std::string& bytes) {
  return bytes.size() >= 2 && bytes.size() >= 2u + 4u + (static_cast<unsigned char>(bytes[1]) & 0x7fu);
}

// Serves each connection on a thread: the upgrade answered with `status_line`, then (on 101) a
// welcome to the hello, and the close frame answered by closing.
class ScriptedServer {
 public:
  explicit ScriptedServer(std::string status_line) : status_line_(std::move(status_line)) {
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    REQUIRE(::listen(listener_, 128) == 0);
    socklen_t length = sizeof address;
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length);
    port = ntohs(address.sin_port);
    acceptor_ = std::thread([this] { accept_all(); });
  }
  ~ScriptedServer() {
    stopping_ = true;
    ::shutdown(listener_, SHUT_RDWR);
    acceptor_.join();
    for (auto& t : connections_) t.join();
    ::close(listener_);
  }
  unsigned short port = 0;

 private:
  void accept_all() {
    for (;;) {
      int fd = ::accept(listener_, nullptr, nullptr);
      if (fd < 0 || stopping_) {
        if (fd >= 0) ::close(fd);
        return;
      }
      connections_.emplace_back([this, fd] { serve(fd); });
    }
  }
  void serve(int fd) {
    std::string in;
    if (read_until(fd, in, [](const std::string& r) { return r.find("\r\n\r\n") != std::string::npos; })) {
      std::string answer = status_line_ + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n";
      ::send(fd, answer.data(), answer.size(), MSG_NOSIGNAL);
      if (status_line_.find(" 101") != std::string::npos) {
        in.clear();
        if (read_until(fd, in, has_client_frame)) {
          std::string welcome = R"({"type":"welcome","colony":"c1"})";
          std::string frame = {'\x81', static_cast<char>(welcome.size())};
          frame += welcome;
          ::send(fd, frame.data(), frame.size(), MSG_NOSIGNAL);
          in.clear();
          read_until(fd, in, has_client_frame);  // the close frame
        }
      }
    }
    ::close(fd);
  }

  std::string status_line_;
  int listener_ = -1;
  std::atomic<bool> stopping_{false};
  std::thread acceptor_;
  std::vector<std::thread> connections_;
};

struct Pool {
  explicit Pool(unsigned short port, std::size_t count) {
    target = parse_target("127.0.0.1:" + std::to_string(port));
    for (std::size_t i = 0; i < count; ++i) {
      auto a = std::make_unique<Agent>();
      a->index = i;
      a->token = "c1:agent" + std::to_string(i) + ":secret";
      a->id = "agent" + std::to_string(i);
      a->target = &target;
      agents.push_back(std::move(a));
    }
  }
  Target target;
  std::vector<std::unique_ptr<Agent>> agents;
};

}  // namespace

TEST_CASE("every cycle the agents start ends, welcomed and closed") {
  ScriptedServer server("HTTP/1.1 101 Switching Protocols");
  Pool pool(server.port, 8);
  Config config;
  config.hold_ms = 5;
  CyclingAgents cycling(pool.agents, config);
  cycling.run(200, config.hold_ms, 0.2);  // about 40 cycles over 8 agents
  INFO(cycling.last_error);
  CHECK(cycling.failures == 0);
  CHECK(cycling.unfinished == 0);
  CHECK(cycling.cycles >= 30);
  CHECK(cycling.welcomes == cycling.cycles);
  CHECK(cycling.hello_latency.count() == cycling.welcomes);
  CHECK(cycling.online == 0);
  for (const auto& a : pool.agents) CHECK(a->hello_ns.load() > 0);
}

TEST_CASE("a refused upgrade fails the cycle and says why") {
  ScriptedServer server("HTTP/1.1 403 Forbidden");
  Pool pool(server.port, 2);
  Config config;
  CyclingAgents cycling(pool.agents, config);
  cycling.run(50, 1, 0.1);
  CHECK(cycling.cycles == 0);
  CHECK(cycling.failures >= 3);
  CHECK(cycling.last_error.find("upgrade refused: HTTP/1.1 403") != std::string::npos);
}
