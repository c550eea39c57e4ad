#include "watcher_client.hpp"

#include <stdexcept>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/websocket.hpp>

#include "watch_lanes.hpp"

namespace mi::bench {

using asio::use_awaitable;

WatcherSet::WatcherSet(asio::io_context& io, const Config& config, std::size_t count, OnEvent on_event)
    : io_(io), config_(config), on_event_(std::move(on_event)) {
  for (auto& hub : config.hubs) targets_.push_back(parse_target(hub));
  for (std::size_t i = 0; i < count; ++i) watchers_.push_back(std::make_unique<Watcher>());
}

asio::awaitable<void> WatcherSet::connect_all() {
  OpenCounts counts;
  auto open_one = [this](std::size_t i, const asio::ip::address& source) -> asio::awaitable<void> {
    auto& w = *watchers_[i];
    w.ws = std::make_unique<Ws>(io_);
    co_await open_ws(*w.ws, targets_[i % targets_.size()], source);
    for (;;) {
      co_await send_text(*w.ws, R"({"type":"watch","colony":")" + config_.colony + R"(","token":")" +
                                    config_.admin_token + "\"}");
      auto reply = co_await read_text(*w.ws, w.buffer);
      if (reply.find("\"snapshot\"") != std::string_view::npos) break;
      if (reply.find("\"error\"") != std::string_view::npos) throw std::runtime_error(std::string(reply));
    }
    asio::co_spawn(io_, read_loop(w), asio::detached);
  };
  co_await open_in_lanes(io_, config_, watchers_.size(), open_one, counts);
  ready += counts.ready;
  failures += counts.failures;
  if (!counts.last_error.empty()) last_error = counts.last_error;
}

asio::awaitable<void> WatcherSet::read_loop(Watcher& w) {
  try {
    for (;;) {
      auto frame = co_await read_text(*w.ws, w.buffer);
      ++events;
      on_event_(frame, mono_ns());
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
