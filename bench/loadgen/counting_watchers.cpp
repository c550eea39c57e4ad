#include "counting_watchers.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string_view>

#include <boost/asio/buffer.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "watch_lanes.hpp"

namespace mi::bench {

using asio::use_awaitable;

namespace {

// A snapshot of a colony of thousands of agents is hundreds of KiB: only its start is looked at.
constexpr std::size_t kTypePrefix = 48;

std::string upgrade_request(const Target& target) {
  return "GET /v1/ws HTTP/1.1\r\nHost: " + target.host +
         "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
         "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
}

// One client text frame. RFC 6455 requires client frames to be masked; a zero key masks
// nothing, which keeps the payload as written.
std::string masked_text_frame(std::string_view payload) {
  std::string frame;
  frame.push_back(static_cast<char>(0x81));
  if (payload.size() < 126) {
    frame.push_back(static_cast<char>(0x80 | payload.size()));
  } else {
    frame.push_back(static_cast<char>(0x80 | 126));
    frame.push_back(static_cast<char>(payload.size() >> 8));
    frame.push_back(static_cast<char>(payload.size() & 0xff));
  }
  frame.append(4, '\0');
  frame.append(payload);
  return frame;
}

struct FrameStart {
  std::size_t header = 0;  // 0: not all of the header is there yet
  std::uint64_t length = 0;
};

FrameStart frame_start(const unsigned char* data, std::size_t size) {
  if (size < 2) return {};
  std::size_t header = 2 + ((data[1] & 0x80) ? 4 : 0);
  std::uint64_t length = data[1] & 0x7f;
  if (length == 126) {
    header += 2;
    if (size < header) return {};
    length = (static_cast<std::uint64_t>(data[2]) << 8) | data[3];
  } else if (length == 127) {
    header += 8;
    if (size < header) return {};
    length = 0;
    for (int i = 0; i < 8; ++i) length = (length << 8) | data[2 + i];
  }
  if (size < header) return {};
  return {header, length};
}

}  // namespace

std::size_t FrameCounter::feed(const unsigned char* data, std::size_t size) {
  std::size_t at = 0;
  for (;;) {
    if (payload_left_ > 0) {
      auto skipped = std::min<std::uint64_t>(payload_left_, size - at);
      at += skipped;
      payload_left_ -= skipped;
      if (payload_left_ > 0) return at;
    }
    auto start = frame_start(data + at, size - at);
    if (start.header == 0) return at;
    unsigned opcode = data[at] & 0x0f;
    bool fin = (data[at] & 0x80) != 0;
    if (opcode == 0x8) closed = true;
    if (fin && opcode < 0x8) ++messages;  // the last frame of a text or binary message
    if (opcode < 0x8) payload_bytes += start.length;
    at += start.header;
    payload_left_ = start.length;
  }
}

CountingWatchers::CountingWatchers(asio::io_context& io, const Config& config, std::size_t count)
    : io_(io), config_(config) {
  for (auto& hub : config.hubs) targets_.push_back(parse_target(hub));
  for (std::size_t i = 0; i < count; ++i) watchers_.push_back(std::make_unique<Watcher>(io));
}

std::uint64_t CountingWatchers::events() const {
  std::uint64_t total = 0;
  for (const auto& w : watchers_) total += w->counter.messages;
  return total;
}

std::uint64_t CountingWatchers::event_bytes() const {
  std::uint64_t total = 0;
  for (const auto& w : watchers_) total += w->counter.payload_bytes;
  return total;
}

// Upgrade, `watch`, and the first message, which must be the snapshot; it is not counted.
asio::awaitable<void> CountingWatchers::open(Watcher& w, const Target& target, const asio::ip::address& source) {
  w.socket = tcp::socket(io_);
  w.have = 0;
  w.counter = FrameCounter{};
  w.socket.open(tcp::v4());
  if (!source.is_unspecified()) {
    int one = 1;
    ::setsockopt(w.socket.native_handle(), IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
    w.socket.bind(tcp::endpoint(source, 0));
  }
  co_await w.socket.async_connect(target.endpoint, use_awaitable);
  w.socket.set_option(tcp::no_delay(true));
  auto request = upgrade_request(target);
  co_await asio::async_write(w.socket, asio::buffer(request), use_awaitable);

  std::size_t headers_end = std::string_view::npos;
  while (headers_end == std::string_view::npos) {
    if (w.have == w.buffer.size()) throw std::runtime_error("upgrade answer too long");
    w.have += co_await w.socket.async_read_some(asio::buffer(w.buffer.data() + w.have, w.buffer.size() - w.have),
                                                use_awaitable);
    std::string_view seen(reinterpret_cast<const char*>(w.buffer.data()), w.have);
    headers_end = seen.find("\r\n\r\n");
  }
  std::string_view status(reinterpret_cast<const char*>(w.buffer.data()), headers_end);
  if (status.substr(0, status.find("\r\n")).find(" 101") == std::string_view::npos) {
    throw std::runtime_error("upgrade refused: " + std::string(status.substr(0, status.find("\r\n"))));
  }
  w.have -= headers_end + 4;
  std::memmove(w.buffer.data(), w.buffer.data() + headers_end + 4, w.have);

  auto watch = masked_text_frame(R"({"type":"watch","colony":")" + config_.colony + R"(","token":")" +
                                 config_.admin_token + "\"}");
  co_await asio::async_write(w.socket, asio::buffer(watch), use_awaitable);

  // Enough of the first message to tell a snapshot from an error, and all of an error (small),
  // whose code says whether to retry.
  for (;;) {
    auto start = frame_start(w.buffer.data(), w.have);
    if (start.header != 0 && w.have >= start.header + std::min<std::uint64_t>(start.length, kTypePrefix)) {
      std::string_view payload(reinterpret_cast<const char*>(w.buffer.data() + start.header),
                               std::min<std::uint64_t>(start.length, w.have - start.header));
      if (payload.find("\"snapshot\"") != std::string_view::npos) break;
      if (payload.size() == start.length || w.have == w.buffer.size()) throw std::runtime_error(std::string(payload));
    }
    if (w.have == w.buffer.size()) throw std::runtime_error("first message header too long");
    w.have += co_await w.socket.async_read_some(asio::buffer(w.buffer.data() + w.have, w.buffer.size() - w.have),
                                                use_awaitable);
  }
  auto used = w.counter.feed(w.buffer.data(), w.have);
  std::memmove(w.buffer.data(), w.buffer.data() + used, w.have - used);
  w.have -= used;
  --w.counter.messages;  // the snapshot
  w.counter.payload_bytes = 0;
}

asio::awaitable<void> CountingWatchers::connect_all() {
  OpenCounts counts;
  auto open_one = [this](std::size_t i, const asio::ip::address& source) -> asio::awaitable<void> {
    auto& w = *watchers_[i];
    co_await open(w, targets_[i % targets_.size()], source);
    asio::co_spawn(io_, count_loop(w), asio::detached);
  };
  co_await open_in_lanes(io_, config_, watchers_.size(), open_one, counts);
  ready += counts.ready;
  failures += counts.failures;
  if (!counts.last_error.empty()) last_error = counts.last_error;
}

asio::awaitable<void> CountingWatchers::count_loop(Watcher& w) {
  try {
    for (;;) {
      w.have += co_await w.socket.async_read_some(
          asio::buffer(w.buffer.data() + w.have, w.buffer.size() - w.have), use_awaitable);
      auto used = w.counter.feed(w.buffer.data(), w.have);
      std::memmove(w.buffer.data(), w.buffer.data() + used, w.have - used);
      w.have -= used;
      if (w.counter.closed) throw std::runtime_error("closed by the server");
    }
  } catch (const std::exception& e) {
    if (!stopping_) {
      ++closed;
      last_error = e.what();
    }
  }
}

void CountingWatchers::stop() { stopping_ = true; }

}  // namespace mi::bench
