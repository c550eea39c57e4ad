#include "watcher_client.hpp"

#include <stdexcept>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include "arrival_stamp.hpp"
#include "watch_lanes.hpp"

namespace mi::bench {

WatcherSet::WatcherSet(asio::io_context& io, const Config& config, std::size_t count, OnEvent on_event)
    : io_(io), config_(config), on_event_(std::move(on_event)) {
  for (auto& hub : config.hubs) targets_.push_back(parse_target(hub));
  for (std::size_t i = 0; i < count; ++i) watchers_.push_back(std::make_unique<Watcher>(io));
}

asio::awaitable<void> WatcherSet::open(Watcher& w, const Target& target, const asio::ip::address& source) {
  auto& c = w.connection;
  c.socket = tcp::socket(io_);
  co_await raw_ws::open(c, target, source);
  enable_arrival_stamps(c.socket.native_handle());
  co_await raw_ws::watch(c, config_.colony, config_.admin_token);
}

asio::awaitable<void> WatcherSet::connect_all() {
  OpenCounts counts;
  auto open_one = [this](std::size_t i, const asio::ip::address& source) -> asio::awaitable<void> {
    auto& w = *watchers_[i];
    co_await open(w, targets_[i % targets_.size()], source);
    asio::co_spawn(io_, read_loop(w), asio::detached);
  };
  co_await open_in_lanes(io_, config_, watchers_.size(), open_one, counts);
  ready += counts.ready;
  failures += counts.failures;
  if (!counts.last_error.empty()) last_error = counts.last_error;
}

asio::awaitable<void> WatcherSet::read_loop(Watcher& w) {
  auto& c = w.connection;
  try {
    for (;;) {
      auto times = co_await c.read_more_stamped();
      while (auto frame = raw_ws::whole_frame(c.buffer.data(), c.have)) {
        if (frame->opcode == 0x8) throw std::runtime_error("closed by the server");
        if (frame->opcode < 0x8) {
          ++events;
          on_event_(frame->payload, times);
        }
        c.consume(frame->bytes);
      }
    }
  } catch (const std::exception& e) {
    if (!stopping_) {
      ++closed;
      last_error = e.what();
    }
  }
}

void WatcherSet::stop() { stopping_ = true; }

}  // namespace mi::bench
