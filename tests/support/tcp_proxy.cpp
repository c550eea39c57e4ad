#include "tests/support/tcp_proxy.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>

namespace mi::test {
namespace {

constexpr std::size_t kMarkerWindow = 64 * 1024;  // what a client sends first is enough to match

int connect_to(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    if (fd >= 0) ::close(fd);
    return -1;
  }
  return fd;
}

bool write_all(int fd, const char* data, std::size_t size) {
  while (size > 0) {
    const auto written = ::send(fd, data, size, MSG_NOSIGNAL);
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) return false;
    data += written;
    size -= static_cast<std::size_t>(written);
  }
  return true;
}

}  // namespace

TcpProxy::TcpProxy(std::uint16_t server_port) : server_port_(server_port) {
  listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (listener_ < 0 || ::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::listen(listener_, 64) != 0 || ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length) != 0 ||
      ::pipe2(stop_pipe_, O_CLOEXEC) != 0) {
    throw std::runtime_error("TcpProxy: cannot listen");
  }
  port_ = ntohs(address.sin_port);
  acceptor_ = std::thread([this] { accept_loop(); });
}

TcpProxy::~TcpProxy() {
  (void)::write(stop_pipe_[1], "x", 1);  // every poll below watches the pipe
  acceptor_.join();
  for (auto& relay : relays_) {
    if (relay->thread.joinable()) relay->thread.join();
    ::close(relay->client);
    ::close(relay->server);
  }
  ::close(listener_);
  ::close(stop_pipe_[0]);
  ::close(stop_pipe_[1]);
}

int TcpProxy::freeze_connections_that_sent(const std::string& marker) {
  std::lock_guard lock(mutex_);
  int frozen = 0;
  for (auto& relay : relays_) {
    if (relay->client_sent.find(marker) == std::string::npos) continue;
    relay->frozen = true;
    ++frozen;
  }
  return frozen;
}

int TcpProxy::drop_all() {
  std::lock_guard lock(mutex_);
  int dropped = 0;
  for (auto& relay : relays_) {
    // The pump sees both sides end and stops; the descriptors are closed on destruction.
    if (::shutdown(relay->client, SHUT_RDWR) == 0) ++dropped;
    ::shutdown(relay->server, SHUT_RDWR);
  }
  return dropped;
}

void TcpProxy::accept_loop() {
  while (true) {
    pollfd fds[2] = {{listener_, POLLIN, 0}, {stop_pipe_[0], POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0 && errno != EINTR) return;
    if (fds[1].revents != 0) return;
    if ((fds[0].revents & POLLIN) == 0) continue;
    const int client = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) continue;
    const int server = connect_to(server_port_);
    if (server < 0) {
      ::close(client);
      continue;
    }
    std::lock_guard lock(mutex_);
    auto relay = std::make_unique<Relay>();
    relay->client = client;
    relay->server = server;
    auto& started = *relay;
    relays_.push_back(std::move(relay));
    started.thread = std::thread([this, &started] { pump(started); });
  }
}

void TcpProxy::pump(Relay& relay) {
  char buffer[16 * 1024];
  while (true) {
    pollfd fds[3] = {{relay.client, POLLIN, 0}, {relay.server, POLLIN, 0}, {stop_pipe_[0], POLLIN, 0}};
    if (::poll(fds, 3, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (fds[2].revents != 0) break;
    if (fds[0].revents != 0) {
      const auto got = ::recv(relay.client, buffer, sizeof buffer, 0);
      if (got <= 0) break;
      {
        std::lock_guard lock(mutex_);
        if (relay.client_sent.size() < kMarkerWindow) relay.client_sent.append(buffer, static_cast<std::size_t>(got));
      }
      if (!write_all(relay.server, buffer, static_cast<std::size_t>(got))) break;
    }
    if (fds[1].revents != 0) {
      const auto got = ::recv(relay.server, buffer, sizeof buffer, 0);
      if (got <= 0) break;
      if (!relay.frozen && !write_all(relay.client, buffer, static_cast<std::size_t>(got))) break;
    }
  }
  // Either side gone: the other sees the connection end, as it would through a real relay.
  ::shutdown(relay.client, SHUT_RDWR);
  ::shutdown(relay.server, SHUT_RDWR);
}

}  // namespace mi::test
