#include "counting_watchers.hpp"

#include <algorithm>
#include <stdexcept>
#include <string_view>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include "raw_ws.hpp"
#include "watch_lanes.hpp"

namespace mi::bench {

std::size_t FrameCounter::feed(const unsigned char* data, std::size_t size) {
  std::size_t at = 0;
  for (;;) {
    if (payload_left_ > 0) {
      auto skipped = std::min<std::uint64_t>(payload_left_, size - at);
      at += skipped;
      payload_left_ -= skipped;
      if (payload_left_ > 0) return at;
    }
    auto start = raw_ws::frame_start(data + at, size - at);
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
  auto& c = w.connection;
  c.socket = tcp::socket(io_);
  w.counter = FrameCounter{};
  co_await raw_ws::open(c, target, source);
  co_await raw_ws::watch(c, config_.colony, config_.admin_token);
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
  auto& c = w.connection;
  try {
    for (;;) {  // bytes after the snapshot may be held already
      c.consume(w.counter.feed(c.buffer.data(), c.have));
      if (w.counter.closed) throw std::runtime_error("closed by the server");
      co_await c.read_more();
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
