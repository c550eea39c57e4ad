#include "cycling_agents.hpp"

#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string_view>

#include "net.hpp"
#include "raw_ws.hpp"

namespace mi::bench {

namespace {
// Room for the upgrade's answer and the welcome (an AGENT object); a larger message fails the
// cycle, named.
constexpr std::size_t kReadBufferBytes = 8 * 1024;
}  // namespace

struct CyclingAgents::Cycle {
  enum class Step { connecting, upgrading, awaiting_welcome, holding, closing };
  Agent* agent = nullptr;
  int fd = -1;
  Step step = Step::connecting;
  std::uint64_t generation = 0;  // one per launch
  std::size_t have = 0;
  std::array<unsigned char, kReadBufferBytes> in;
};

CyclingAgents::CyclingAgents(const std::vector<std::unique_ptr<Agent>>& agents, const Config& config)
    : agents_(agents), config_(config) {
  epoll_ = epoll_create1(EPOLL_CLOEXEC);
  check_errno(epoll_ >= 0, "epoll_create1");
  for (const auto& a : agents_) {
    if (!upgrade_requests_.contains(a->target)) upgrade_requests_[a->target] = raw_ws::upgrade_request(a->target->host);
    if (hello_frames_.size() <= a->index) hello_frames_.resize(a->index + 1);
    hello_frames_[a->index] = raw_ws::masked_text_frame(R"({"type":"hello","token":")" + a->token + "\"}");
  }
  close_frame_ = raw_ws::masked_close_frame();
}

CyclingAgents::~CyclingAgents() {
  for (auto& c : cycles_) {
    if (c->fd >= 0) ::close(c->fd);
  }
  if (epoll_ >= 0) ::close(epoll_);
}

void CyclingAgents::run(double rate, double hold_ms, double seconds) {
  for (const auto& a : agents_) idle_.push_back(a.get());
  hold_ns_ = static_cast<std::int64_t>(hold_ms * 1e6);
  const auto start = mono_ns();
  const auto launch_end = start + static_cast<std::int64_t>(seconds * 1e9);
  const auto drain_end = launch_end + hold_ns_ + 10'000'000'000LL;
  std::uint64_t launched = 0;
  std::array<epoll_event, 256> ready;
  for (;;) {
    auto now = mono_ns();
    if (now < launch_end) {
      auto due = static_cast<std::uint64_t>(static_cast<double>(now - start) * rate / 1e9);
      while (launched < due) {
        ++launched;
        if (idle_head_ >= idle_.size()) {
          ++skipped;
          continue;
        }
        Agent* a = idle_[idle_head_++];
        if (idle_head_ > 4096 && idle_head_ * 2 > idle_.size()) {
          idle_.erase(idle_.begin(), idle_.begin() + static_cast<long>(idle_head_));
          idle_head_ = 0;
        }
        launch(*a);
      }
    } else if (in_flight_ == 0 || now >= drain_end) {
      break;
    }
    while (holding_head_ < holding_.size() && holding_[holding_head_].due_ns <= now) {
      auto& hold = holding_[holding_head_++];
      if (hold.cycle->generation == hold.generation) begin_close(*hold.cycle);
    }
    if (holding_head_ == holding_.size()) {
      holding_.clear();
      holding_head_ = 0;
    }
    // A millisecond at most: launches are due every 1/rate, closes every hold after a welcome.
    int n = epoll_wait(epoll_, ready.data(), static_cast<int>(ready.size()), 1);
    if (n < 0 && errno != EINTR) check_errno(false, "epoll_wait");
    for (int i = 0; i < n; ++i) on_ready(*static_cast<Cycle*>(ready[i].data.ptr), ready[i].events);
  }
  for (auto& c : cycles_) {
    if (c->fd < 0) continue;
    ++unfinished;
    fail(*c, "not finished within the hold and 10 s");
  }
}

void CyclingAgents::launch(Agent& a) {
  Cycle* c = nullptr;
  if (!free_.empty()) {
    c = free_.back();
    free_.pop_back();
  } else {
    cycles_.push_back(std::make_unique<Cycle>());
    c = cycles_.back().get();
  }
  c->agent = &a;
  ++c->generation;
  c->step = Cycle::Step::connecting;
  c->have = 0;
  ++in_flight_;
  c->fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (c->fd < 0) {
    fail(*c, std::string("socket: ") + std::strerror(errno));
    return;
  }
  if (!a.source.is_unspecified()) {
    // The port is picked at connect time, so one source address serves every destination.
    int one = 1;
    ::setsockopt(c->fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
    tcp::endpoint local(a.source, 0);
    if (::bind(c->fd, local.data(), static_cast<socklen_t>(local.size())) != 0) {
      fail(*c, std::string("bind: ") + std::strerror(errno));
      return;
    }
  }
  if (::connect(c->fd, a.target->endpoint.data(), static_cast<socklen_t>(a.target->endpoint.size())) != 0 &&
      errno != EINPROGRESS) {
    fail(*c, std::string("connect: ") + std::strerror(errno));
    return;
  }
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLOUT | EPOLLET;
  ev.data.ptr = c;
  if (epoll_ctl(epoll_, EPOLL_CTL_ADD, c->fd, &ev) != 0) fail(*c, std::string("epoll_ctl: ") + std::strerror(errno));
}

void CyclingAgents::on_ready(Cycle& c, std::uint32_t events) {
  if (c.fd < 0) return;
  if (c.step == Cycle::Step::connecting) {
    if (events & EPOLLERR) {
      int error = 0;
      socklen_t length = sizeof error;
      ::getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &error, &length);
      fail(c, std::string("connect: ") + std::strerror(error));
      return;
    }
    if (!(events & EPOLLOUT)) return;
    const auto& request = upgrade_requests_.at(c.agent->target);
    if (::send(c.fd, request.data(), request.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(request.size())) {
      fail(c, std::string("sending the upgrade: ") + std::strerror(errno));
      return;
    }
    c.step = Cycle::Step::upgrading;
  }
  // Edge-triggered: read until the socket has no more.
  for (;;) {
    if (c.have == c.in.size()) {
      fail(c, "a message larger than the read buffer");
      return;
    }
    auto got = ::recv(c.fd, c.in.data() + c.have, c.in.size() - c.have, 0);
    if (got > 0) {
      c.have += static_cast<std::size_t>(got);
      if (!on_bytes(c)) return;
      continue;
    }
    if (got == 0) {
      if (c.step == Cycle::Step::closing) {
        ++cycles;
        finish(c);
      } else {
        fail(c, "closed by the server");
      }
      return;
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK) return;
    if (errno == EINTR) continue;
    fail(c, std::string("recv: ") + std::strerror(errno));
    return;
  }
}

bool CyclingAgents::on_bytes(Cycle& c) {
  if (c.step == Cycle::Step::upgrading) {
    std::optional<std::size_t> answer;
    try {
      answer = raw_ws::upgrade_answer_length(std::string_view(reinterpret_cast<const char*>(c.in.data()), c.have));
    } catch (const std::runtime_error& refused) {
      fail(c, refused.what());
      return false;
    }
    if (!answer) return true;
    c.have -= *answer;
    std::memmove(c.in.data(), c.in.data() + *answer, c.have);
    c.agent->hello_ns.store(mono_ns(), std::memory_order_release);
    const auto& hello = hello_frames_[c.agent->index];
    if (::send(c.fd, hello.data(), hello.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(hello.size())) {
      fail(c, std::string("sending hello: ") + std::strerror(errno));
      return false;
    }
    c.step = Cycle::Step::awaiting_welcome;
  }
  while (c.step == Cycle::Step::awaiting_welcome) {
    auto frame = raw_ws::whole_frame(c.in.data(), c.have);
    if (!frame) return true;
    const auto opcode = frame->opcode;
    const auto payload = frame->payload;
    const auto frame_bytes = frame->bytes;
    if (opcode == 0x8) {
      fail(c, "closed by the server");
      return false;
    }
    bool welcome = opcode < 0x8 && (payload.find("\"welcome\"") != std::string_view::npos || config_.minimal_hello);
    if (opcode < 0x8 && !welcome && payload.find("\"error\"") != std::string_view::npos) {
      fail(c, std::string(payload));
      return false;
    }
    c.have -= frame_bytes;
    std::memmove(c.in.data(), c.in.data() + frame_bytes, c.have);
    if (welcome) {
      auto now = mono_ns();
      hello_latency.add_ns(now - c.agent->hello_ns.load(std::memory_order_relaxed));
      ++welcomes;
      ++online;
      c.agent->online = true;
      c.step = Cycle::Step::holding;
      holding_.push_back({&c, c.generation, now + hold_ns_});
    }
  }
  // Holding or closing: nothing more is expected but events an agent may get; drop them.
  c.have = 0;
  return true;
}

void CyclingAgents::begin_close(Cycle& c) {
  if (c.fd < 0 || c.step != Cycle::Step::holding) return;
  c.agent->online = false;
  --online;
  c.step = Cycle::Step::closing;
  // The server answers the close and ends the connection; on_ready reads until it does.
  if (::send(c.fd, close_frame_.data(), close_frame_.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(close_frame_.size())) {
    fail(c, std::string("sending the close: ") + std::strerror(errno));
  }
}

void CyclingAgents::fail(Cycle& c, const std::string& why) {
  ++failures;
  last_error = why;
  if (c.agent->online) {
    c.agent->online = false;
    --online;
  }
  finish(c);
}

void CyclingAgents::finish(Cycle& c) {
  if (c.fd >= 0) ::close(c.fd);  // also leaves the epoll set
  c.fd = -1;
  --in_flight_;
  idle_.push_back(c.agent);
  free_.push_back(&c);
}

}  // namespace mi::bench
