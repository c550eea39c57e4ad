#include "send_floor.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <stdexcept>
#include <thread>
#include <vector>

#include "histogram.hpp"
#include "net.hpp"
#include "report.hpp"

namespace mi::bench {

namespace {

std::int64_t thread_cpu_ns() { return clock_ns(CLOCK_THREAD_CPUTIME_ID); }

// The child: connects `count` sockets (spread over the source addresses) and reads until the
// parent closes them all.
[[noreturn]] void receive_all(unsigned short port, std::size_t count, const std::vector<std::string>& sources) {
  int epoll = epoll_create1(0);
  std::vector<int> fds;
  for (std::size_t i = 0; i < count; ++i) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) _exit(2);
    const auto& source = sources[i % sources.size()];
    if (!source.empty()) {
      sockaddr_in local{};
      local.sin_family = AF_INET;
      inet_pton(AF_INET, source.c_str(), &local.sin_addr);
      if (bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0) _exit(3);
    }
    sockaddr_in remote{};
    remote.sin_family = AF_INET;
    remote.sin_port = htons(port);
    inet_pton(AF_INET, "127.0.0.1", &remote.sin_addr);
    if (connect(fd, reinterpret_cast<sockaddr*>(&remote), sizeof remote) != 0) _exit(4);
    fcntl(fd, F_SETFL, O_NONBLOCK);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = fd;
    epoll_ctl(epoll, EPOLL_CTL_ADD, fd, &ev);
    fds.push_back(fd);
  }
  std::size_t open = count;
  std::vector<epoll_event> events(1024);
  char buffer[65536];
  while (open > 0) {
    int ready = epoll_wait(epoll, events.data(), static_cast<int>(events.size()), 60000);
    if (ready <= 0) _exit(5);
    for (int i = 0; i < ready; ++i) {
      int fd = events[i].data.fd;
      for (;;) {
        auto got = recv(fd, buffer, sizeof buffer, 0);
        if (got > 0) continue;
        if (got == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) {
          epoll_ctl(epoll, EPOLL_CTL_DEL, fd, nullptr);
          close(fd);
          --open;
        }
        break;
      }
    }
  }
  _exit(0);
}

}  // namespace

std::string run_send_floor(const Config& config) {
  std::size_t count = config.watchers;
  if (count == 0) throw std::runtime_error("send-floor needs --watchers N");
  std::vector<std::string> sources = config.sources;

  int listener = socket(AF_INET, SOCK_STREAM, 0);
  check_errno(listener >= 0, "socket");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  inet_pton(AF_INET, "127.0.0.1", &address.sin_addr);
  check_errno(bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0, "bind");
  check_errno(listen(listener, 4096) == 0, "listen");
  socklen_t length = sizeof address;
  getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length);
  unsigned short port = ntohs(address.sin_port);

  std::cout.flush();
  pid_t child = fork();
  check_errno(child >= 0, "fork");
  if (child == 0) receive_all(port, count, sources);

  std::vector<int> receivers;
  receivers.reserve(count);
  while (receivers.size() < count) {
    int fd = accept(listener, nullptr, nullptr);
    check_errno(fd >= 0, "accept");
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    receivers.push_back(fd);
  }
  std::cerr << "send-floor: " << count << " receivers connected" << std::endl;

  // An event frame of the size the hub sends (a presence event is about 250 bytes of JSON).
  std::string payload(250, 'x');
  std::string frame = {'\x81', '\x7E', static_cast<char>(payload.size() >> 8), static_cast<char>(payload.size() & 0xFF)};
  frame += payload;

  Histogram round_time;
  std::int64_t cpu_ns = 0;
  std::uint64_t sends = 0, would_block = 0;
  auto start = mono_ns();
  for (std::uint64_t event = 0; event < config.events; ++event) {
    auto due = start + static_cast<std::int64_t>(static_cast<double>(event) * 1e9 / config.rate);
    auto now = mono_ns();
    if (due > now) std::this_thread::sleep_for(std::chrono::nanoseconds(due - now));
    auto cpu0 = thread_cpu_ns();
    auto wall0 = mono_ns();
    for (int fd : receivers) {
      auto sent = send(fd, frame.data(), frame.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      if (sent == static_cast<ssize_t>(frame.size())) {
        ++sends;
      } else {
        ++would_block;
      }
    }
    round_time.add_ns(mono_ns() - wall0);
    cpu_ns += thread_cpu_ns() - cpu0;
  }
  for (int fd : receivers) close(fd);
  int status = 0;
  waitpid(child, &status, 0);

  Report report;
  report.str("mode", "send-floor")
      .integer("receivers", static_cast<std::int64_t>(count))
      .integer("events", static_cast<std::int64_t>(config.events))
      .integer("sends", static_cast<std::int64_t>(sends))
      .integer("would_block", static_cast<std::int64_t>(would_block))
      .num("sender_cpu_s", static_cast<double>(cpu_ns) / 1e9)
      .num("sends_per_cpu_s", cpu_ns > 0 ? static_cast<double>(sends) / (static_cast<double>(cpu_ns) / 1e9) : 0)
      .raw("time_to_last_receiver", round_time.json())
      .integer("receiver_exit", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
  return report.json();
}

}  // namespace mi::bench
