#include "floor_server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <deque>
#include <iostream>
#include <memory>
#include <new>
#include <span>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

#include "hub/core/rotating_order.hpp"
#include "protocol/websocket_handshake.hpp"
#include "net.hpp"
#include "protocol/websocket_frame.hpp"
#include "raw_ws.hpp"
#include "report.hpp"

namespace mi::bench {

namespace {

namespace ws = protocol::websocket;

// A watcher that lets this much pile up unread is dropped, as the hub drops a slow consumer
// (its default --watcher-queue-bytes).
constexpr std::size_t kMaxPendingBytes = 4 << 20;
constexpr std::size_t kMaxRequestBytes = 8 << 10;

// The value of a header in a request's header block, by case-insensitive name.
std::string_view header_value(std::string_view headers, std::string_view name) {
  std::size_t at = 0;
  while ((at = headers.find("\r\n", at)) != std::string_view::npos) {
    at += 2;
    auto line_end = headers.find("\r\n", at);
    auto line = headers.substr(at, line_end == std::string_view::npos ? std::string_view::npos : line_end - at);
    auto colon = line.find(':');
    if (colon == name.size() && std::equal(name.begin(), name.end(), line.begin(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
        })) {
      auto value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
      while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
      return value;
    }
  }
  return {};
}

std::int64_t wall_ms() { return clock_ns(CLOCK_REALTIME) / 1'000'000; }

// The bytes at the start of `data` that are whole frames.
std::size_t whole_frames(const char* data, std::size_t size) {
  std::size_t at = 0;
  for (;;) {
    auto start = raw_ws::frame_start(reinterpret_cast<const unsigned char*>(data + at), size - at);
    if (start.header == 0 || size - at < start.header + start.length) return at;
    at += start.header + static_cast<std::size_t>(start.length);
  }
}

std::string resp_command(std::initializer_list<std::string_view> args) {
  std::string out = "*" + std::to_string(args.size()) + "\r\n";
  for (auto arg : args) {
    out += "$" + std::to_string(arg.size()) + "\r\n";
    out += arg;
    out += "\r\n";
  }
  return out;
}

// One `message` push of a subscribed Redis connection (*3, then the bulk strings "message",
// the channel and the payload). Returns the bytes it takes, 0 when not all of it is there yet.
std::size_t parse_message_push(std::string_view in, std::string_view& payload) {
  std::size_t at = 0;
  auto line = [&](std::string_view& out) {
    auto end = in.find("\r\n", at);
    if (end == std::string_view::npos) return false;
    out = in.substr(at, end - at);
    at = end + 2;
    return true;
  };
  auto bulk = [&](std::string_view& out) {
    std::string_view header;
    if (!line(header)) return false;
    if (header.empty() || header[0] != '$') throw std::runtime_error("unexpected reply from Redis");
    auto length = std::stoull(std::string(header.substr(1)));
    if (in.size() < at + length + 2) return false;
    out = in.substr(at, length);
    at += length + 2;
    return true;
  };
  std::string_view header, kind, channel;
  if (!line(header)) return 0;
  if (header != "*3") throw std::runtime_error("unexpected push from Redis");
  if (!bulk(kind) || !bulk(channel) || !bulk(payload)) return 0;
  return at;
}

// "HOST:PORT", an IPv4 address.
sockaddr_in ipv4_address(const std::string& address) {
  auto colon = address.rfind(':');
  sockaddr_in result{};
  result.sin_family = AF_INET;
  result.sin_port = htons(static_cast<unsigned short>(std::stoi(address.substr(colon + 1))));
  check_errno(inet_pton(AF_INET, address.substr(0, colon).c_str(), &result.sin_addr) == 1, "address");
  return result;
}

int connect_blocking(const std::string& address) {
  auto remote = ipv4_address(address);
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  check_errno(fd >= 0, "socket");
  check_errno(connect(fd, reinterpret_cast<sockaddr*>(&remote), sizeof remote) == 0, "connect to Redis");
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

// Subscribes `fd` to `channel` and waits for the confirmation, so that no event is missed.
void subscribe_blocking(int fd, const std::string& channel) {
  auto command = resp_command({"SUBSCRIBE", channel});
  check_errno(send(fd, command.data(), command.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(command.size()), "subscribe");
  std::string reply;
  char chunk[512];
  while (!(reply.size() >= 4 && reply.ends_with(":1\r\n"))) {
    auto got = recv(fd, chunk, sizeof chunk, 0);
    check_errno(got > 0, "subscribe reply");
    reply.append(chunk, static_cast<std::size_t>(got));
  }
}

// Counters of all the server processes, in memory they share.
struct Counters {
  std::atomic<std::uint64_t> accepted{0}, events{0}, relayed{0}, dropped_slow{0};
  std::atomic<std::uint64_t> seq{0};
};

struct Connection {
  explicit Connection(int socket) : fd(socket) {}
  int fd;
  bool upgraded = false;
  bool watcher = false;
  bool relay = false;     // the socket to another server process
  bool redis = false;     // a socket to Redis
  std::uint64_t serial = 0;  // an agent waiting for its welcome until its online event is published
  bool closed = false;
  bool queued = false;    // in the loop's list of connections to send to
  bool want_out = false;  // EPOLLOUT is registered: the socket's buffer was full
  std::string agent_id;   // set by hello; an offline event goes out when the agent leaves
  std::string in;         // bytes that are not yet a whole request or frame
  std::string out;        // bytes to send, from out_at on
  std::size_t out_at = 0;
  ws::FrameReader reader{64 * 1024};

  std::size_t pending() const { return out.size() - out_at; }
};

// One server process: one listening address, one thread, one epoll, as a hub with one shard.
// Its events reach the other processes' watchers over one relay socket to each of them; or,
// routed through Redis, they are PUBLISHed, the agent is welcomed when Redis has answered, and
// every process (this one too) delivers what its subscription brings, as hubs do.
class Loop {
 public:
  struct RedisLinks {
    int commands = -1, events = -1;  // connected; events subscribed to channel
    std::string channel;
  };

  Loop(Counters& counters, const std::string& colony, std::size_t event_bytes, int listener, std::vector<int> relays,
       const RedisLinks& redis)
      : counters_(counters), colony_(colony), event_bytes_(event_bytes), listener_(listener), channel_(redis.channel) {
    epoll_ = epoll_create1(0);
    check_errno(epoll_ >= 0, "epoll");
    watch(listener_, EPOLLIN, &listener_);
    auto add = [this](int fd) {
      fcntl(fd, F_SETFL, O_NONBLOCK);
      auto c = std::make_unique<Connection>(fd);
      c->upgraded = true;
      watch(fd, EPOLLIN, c.get());
      auto* raw = c.get();
      connections_.push_back(std::move(c));
      return raw;
    };
    for (int fd : relays) {
      auto* c = add(fd);
      c->relay = true;
      relays_.push_back(c);
    }
    if (redis.commands >= 0) {
      redis_commands_ = add(redis.commands);
      redis_events_ = add(redis.events);
      redis_commands_->redis = redis_events_->redis = true;
    }
  }

  [[noreturn]] void run(std::int64_t flush_ns) {
    std::vector<epoll_event> ready(512);
    std::int64_t next_flush = 0;
    for (;;) {
      int timeout_ms = -1;
      if (flush_ns > 0 && !send_list_.empty()) {
        timeout_ms = static_cast<int>(std::max<std::int64_t>(0, (next_flush - mono_ns() + 999'999) / 1'000'000));
      }
      int n = epoll_wait(epoll_, ready.data(), static_cast<int>(ready.size()), timeout_ms);
      for (int i = 0; i < n; ++i) {
        void* tag = ready[i].data.ptr;
        if (tag == &listener_) {
          accept_all();
          continue;
        }
        auto* c = static_cast<Connection*>(tag);
        if (c->closed) continue;
        if (ready[i].events & EPOLLIN) receive(*c);
        if (!c->closed && (ready[i].events & (EPOLLERR | EPOLLHUP)) && !(ready[i].events & EPOLLIN)) drop(*c);
        if (!c->closed && (ready[i].events & EPOLLOUT)) queue_send(*c);
      }
      if (flush_ns == 0 || mono_ns() >= next_flush) {
        send_queued();
        next_flush = mono_ns() + flush_ns;
        graveyard_.clear();  // the send list no longer names them
      }
    }
  }

 private:
  void watch(int fd, std::uint32_t events, void* tag) {
    epoll_event ev{};
    ev.events = events;
    ev.data.ptr = tag;
    check_errno(epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &ev) == 0, "epoll_ctl");
  }

  void accept_all() {
    for (;;) {
      int fd = accept4(listener_, nullptr, nullptr, SOCK_NONBLOCK);
      if (fd < 0) return;
      int one = 1;
      setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      auto c = std::make_unique<Connection>(fd);
      watch(fd, EPOLLIN, c.get());
      connections_.push_back(std::move(c));
      counters_.accepted.fetch_add(1, std::memory_order_relaxed);
    }
  }

  void receive(Connection& c) {
    for (;;) {
      auto got = recv(c.fd, buffer_, sizeof buffer_, 0);
      if (got > 0) {
        c.in.append(buffer_, static_cast<std::size_t>(got));
        if (static_cast<std::size_t>(got) < sizeof buffer_) break;
        continue;
      }
      if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
      drop(c);
      return;
    }
    if (c.relay) {
      // Another process's events, whole frames: passed on to this process's watchers as they are.
      auto whole = whole_frames(c.in.data(), c.in.size());
      deliver_here(std::string_view(c.in.data(), whole));
      c.in.erase(0, whole);
      return;
    }
    if (&c == redis_events_) {
      std::size_t at = 0;
      std::string_view frame;
      while (auto taken = parse_message_push(std::string_view(c.in).substr(at), frame)) {
        deliver_here(frame);
        at += taken;
      }
      c.in.erase(0, at);
      return;
    }
    if (&c == redis_commands_) {
      // One reply line per PUBLISH, in order: its agent, if any, is welcomed now.
      std::size_t at = 0;
      for (auto end = c.in.find("\r\n"); end != std::string::npos; end = c.in.find("\r\n", at)) {
        at = end + 2;
        if (publish_waiters_.empty()) throw std::runtime_error("a reply from Redis with no command");
        auto serial = publish_waiters_.front();
        publish_waiters_.pop_front();
        if (auto found = awaiting_welcome_.find(serial); found != awaiting_welcome_.end()) {
          welcome(*found->second);
          awaiting_welcome_.erase(found);
        }
      }
      c.in.erase(0, at);
      return;
    }
    if (!c.upgraded && !upgrade(c)) return;
    std::size_t at = 0;
    while (!c.closed && at < c.in.size()) {
      auto result = c.reader.next(c.in.data() + at, c.in.size() - at);
      if (result.kind == ws::FrameReader::Result::Kind::need_more) break;
      if (result.kind == ws::FrameReader::Result::Kind::error) {
        drop(c);
        return;
      }
      at += result.consumed;
      if (result.kind != ws::FrameReader::Result::Kind::message) continue;
      switch (result.opcode) {
        case ws::Opcode::text:
          on_text(c, result.payload);
          break;
        case ws::Opcode::ping:
          c.out += ws::encode_frame(ws::Opcode::pong, result.payload);
          queue_send(c);
          break;
        case ws::Opcode::close: {
          // Answer the close and leave: the client reads until the connection ends.
          c.out += ws::encode_close_frame(ws::close_code::normal, "");
          send(c.fd, c.out.data() + c.out_at, c.pending(), MSG_NOSIGNAL | MSG_DONTWAIT);
          drop(c);
          return;
        }
        default:
          break;
      }
    }
    if (!c.closed) c.in.erase(0, at);
  }

  bool upgrade(Connection& c) {
    auto end = c.in.find("\r\n\r\n");
    if (end == std::string::npos) {
      if (c.in.size() > kMaxRequestBytes) drop(c);
      return false;
    }
    std::string_view headers(c.in.data(), end);
    auto key = header_value(headers, "Sec-WebSocket-Key");
    if (key.empty()) {
      drop(c);
      return false;
    }
    c.out += "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ";
    c.out += protocol::websocket::accept_key(key);
    c.out += "\r\n\r\n";
    queue_send(c);
    c.in.erase(0, end + 4);
    c.upgraded = true;
    return true;
  }

  void on_text(Connection& c, std::string_view text) {
    auto type = json_string_field(text, "type");
    if (type == "hello" && c.agent_id.empty()) {
      // The bench's tokens are "agt:ID:secret": the id is all an event needs.
      auto token = json_string_field(text, "token");
      auto first = token.find(':');
      auto second = token.find(':', first + 1);
      if (first == std::string_view::npos || second == std::string_view::npos) {
        drop(c);
        return;
      }
      c.agent_id = std::string(token.substr(first + 1, second - first - 1));
      if (redis_commands_ == nullptr) {
        welcome(c);
        broadcast("online", c.agent_id, 0);
      } else {
        c.serial = ++next_serial_;
        awaiting_welcome_.emplace(c.serial, &c);
        broadcast("online", c.agent_id, c.serial);
      }
    } else if (type == "watch" && !c.watcher) {
      c.watcher = true;
      watchers_.push_back(&c);
      c.out += ws::encode_text_frame(R"({"type":"snapshot","colony":")" + colony_ + R"(","agents":[]})");
      queue_send(c);
    }
  }

  void welcome(Connection& c) {
    c.out += ws::encode_text_frame(R"({"type":"welcome","agent":{"id":")" + c.agent_id + R"("}})");
    queue_send(c);
  }

  // One frame, built once, for every watcher here and every other process. Through Redis, the
  // agent with `waiter` (0: none) is welcomed when the PUBLISH is answered.
  void broadcast(std::string_view event, const std::string& agent_id, std::uint64_t waiter) {
    auto seq = counters_.seq.fetch_add(1, std::memory_order_relaxed) + 1;
    std::string json = R"({"type":"event","colony":")" + colony_ + R"(","seq":)" + std::to_string(seq) + R"(,"ts":)" +
                       std::to_string(wall_ms()) + R"(,"event":")" + std::string(event) + R"(","agent":{"id":")" +
                       agent_id + R"(","pad":")";
    constexpr std::string_view kTail = "\"}}";
    if (json.size() + kTail.size() < event_bytes_) json.append(event_bytes_ - json.size() - kTail.size(), 'x');
    json += kTail;
    auto frame = ws::encode_text_frame(json);
    counters_.events.fetch_add(1, std::memory_order_relaxed);
    if (redis_commands_ != nullptr) {
      redis_commands_->out += resp_command({"PUBLISH", channel_, frame});
      queue_send(*redis_commands_);
      publish_waiters_.push_back(waiter);
      return;
    }
    deliver_here(frame);
    for (auto* relay : relays_) {
      if (relay->closed) continue;
      relay->out += frame;
      queue_send(*relay);
      counters_.relayed.fetch_add(1, std::memory_order_relaxed);
    }
  }

  // Queued (and so sent) from a start that moves on at each event, as the hubs deliver: the
  // probe's delay is then that of any watcher, not of one that joined early.
  void deliver_here(std::string_view frames) {
    if (frames.empty()) return;
    hub::visit_rotating(std::span<Connection*>(watchers_), first_watcher_, [&](Connection* w) {
      if (w->closed) return;
      w->out += frames;
      queue_send(*w);
    });
  }

  void queue_send(Connection& c) {
    if (c.queued) return;
    c.queued = true;
    send_list_.push_back(&c);
  }

  // After each round of readiness: one send(2) per connection for all it was given.
  void send_queued() {
    // By index: dropping an agent here sends its offline event, which adds to the list.
    for (std::size_t i = 0; i < send_list_.size(); ++i) {
      auto* c = send_list_[i];
      c->queued = false;
      if (c->closed || c->pending() == 0) continue;
      auto sent = send(c->fd, c->out.data() + c->out_at, c->pending(), MSG_NOSIGNAL | MSG_DONTWAIT);
      if (sent < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
        drop(*c);
        continue;
      }
      if (sent > 0) c->out_at += static_cast<std::size_t>(sent);
      if (c->pending() == 0) {
        c->out.clear();
        c->out_at = 0;
      } else if (c->out_at >= 64 * 1024) {
        c->out.erase(0, c->out_at);
        c->out_at = 0;
      }
      if (c->watcher && c->pending() > kMaxPendingBytes) {
        counters_.dropped_slow.fetch_add(1, std::memory_order_relaxed);
        drop(*c);
        continue;
      }
      bool want_out = c->pending() != 0;
      if (want_out != c->want_out) {
        c->want_out = want_out;
        epoll_event ev{};
        ev.events = EPOLLIN | (want_out ? EPOLLOUT : 0u);
        ev.data.ptr = c;
        epoll_ctl(epoll_, EPOLL_CTL_MOD, c->fd, &ev);
      }
    }
    send_list_.clear();
  }

  // The connection's memory lives until the end of this round: later readiness in the same
  // round may still name it.
  void drop(Connection& c) {
    if (c.closed) return;
    if (c.relay || c.redis) _exit(0);  // another process or Redis is gone: the run is over
    c.closed = true;
    epoll_ctl(epoll_, EPOLL_CTL_DEL, c.fd, nullptr);
    close(c.fd);
    if (c.watcher) std::erase(watchers_, &c);
    if (c.serial != 0) awaiting_welcome_.erase(c.serial);
    if (!c.agent_id.empty()) broadcast("offline", c.agent_id, 0);
    auto it = std::find_if(connections_.begin(), connections_.end(), [&](const auto& p) { return p.get() == &c; });
    if (it != connections_.end()) {
      graveyard_.push_back(std::move(*it));
      *it = std::move(connections_.back());
      connections_.pop_back();
    }
  }

  Counters& counters_;
  std::string colony_;
  std::size_t event_bytes_;
  int listener_ = -1, epoll_ = -1;
  std::vector<std::unique_ptr<Connection>> connections_, graveyard_;
  std::vector<Connection*> watchers_, relays_, send_list_;
  std::size_t first_watcher_ = 0;  // where the next event's deliveries start
  Connection* redis_commands_ = nullptr;  // through Redis only: PUBLISH
  Connection* redis_events_ = nullptr;    // through Redis only: the subscription
  std::string channel_;
  std::deque<std::uint64_t> publish_waiters_;  // per PUBLISH in flight, the agent to welcome (0: none)
  std::unordered_map<std::uint64_t, Connection*> awaiting_welcome_;
  std::uint64_t next_serial_ = 0;
  char buffer_[64 * 1024];
};

int listen_on(const std::string& address) {
  auto local = ipv4_address(address);
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  check_errno(fd >= 0, "socket");
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  check_errno(bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local) == 0, "bind");
  check_errno(listen(fd, 4096) == 0, "listen");
  return fd;
}

}  // namespace

int run_floor_server(const Config& config) {
  auto* counters = static_cast<Counters*>(
      mmap(nullptr, sizeof(Counters), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0));
  check_errno(counters != MAP_FAILED, "mmap");
  new (counters) Counters;

  // Listeners first; then a relay socket between each pair of processes, unless events go
  // through Redis. READY once every process has said it is ready (through Redis: subscribed).
  std::size_t n = config.hubs.size();
  bool through_redis = !config.redis.empty();
  std::vector<int> listeners;
  for (const auto& address : config.hubs) listeners.push_back(listen_on(address));
  int ready_pipe[2];
  check_errno(pipe(ready_pipe) == 0, "pipe");
  std::vector<std::vector<int>> relays(n);
  for (std::size_t a = 0; a < n && !through_redis; ++a) {
    for (std::size_t b = a + 1; b < n; ++b) {
      int pair[2];
      check_errno(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, pair) == 0, "socketpair");
      relays[a].push_back(pair[0]);
      relays[b].push_back(pair[1]);
    }
  }
  std::cout.flush();
  std::vector<pid_t> children;
  for (std::size_t i = 0; i < n; ++i) {
    pid_t child = fork();
    check_errno(child >= 0, "fork");
    if (child == 0) {
      prctl(PR_SET_PDEATHSIG, SIGTERM);
      for (std::size_t j = 0; j < n; ++j) {
        if (j == i) continue;
        close(listeners[j]);
        for (int fd : relays[j]) close(fd);
      }
      close(ready_pipe[0]);
      Loop::RedisLinks redis;
      if (through_redis) {
        redis.channel = "floor:{c:" + config.colony + "}:events";
        redis.commands = connect_blocking(config.redis);
        redis.events = connect_blocking(config.redis);
        subscribe_blocking(redis.events, redis.channel);
      }
      Loop loop(*counters, config.colony, config.event_bytes, listeners[i], relays[i], redis);
      char one = 1;
      check_errno(write(ready_pipe[1], &one, 1) == 1, "ready");
      close(ready_pipe[1]);
      loop.run(static_cast<std::int64_t>(config.flush_us * 1000));
    }
    children.push_back(child);
  }
  for (std::size_t i = 0; i < n; ++i) {
    close(listeners[i]);
    for (int fd : relays[i]) close(fd);
  }
  close(ready_pipe[1]);
  for (std::size_t i = 0; i < n; ++i) {
    char one;
    if (read(ready_pipe[0], &one, 1) != 1) throw std::runtime_error("a floor server process failed to start");
  }
  std::cout << "READY {\"pids\":[";
  for (std::size_t i = 0; i < n; ++i) std::cout << (i ? "," : "") << children[i];
  std::cout << "]}" << std::endl;

  // Serves until stdin ends.
  std::string line;
  while (std::getline(std::cin, line)) {
  }
  for (pid_t child : children) kill(child, SIGTERM);
  for (pid_t child : children) waitpid(child, nullptr, 0);
  Report report;
  report.str("mode", "floor-server")
      .integer("processes", static_cast<std::int64_t>(n))
      .integer("accepted", static_cast<std::int64_t>(counters->accepted.load()))
      .integer("events", static_cast<std::int64_t>(counters->events.load()))
      .integer("relayed", static_cast<std::int64_t>(counters->relayed.load()))
      .integer("dropped_slow_watchers", static_cast<std::int64_t>(counters->dropped_slow.load()));
  report.print("REPORT");
  std::cout.flush();
  _exit(0);
}

}  // namespace mi::bench
