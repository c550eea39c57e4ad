#include "watcher_client.hpp"

#include <stdexcept>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/websocket.hpp>

namespace mi::bench {

using asio::use_awaitable;

WatcherSet::WatcherSet(asio::io_context& io, const Config& config, std::size_t count, OnEvent on_event)
    : io_(io), config_(config), on_event_(std::move(on_event)) {
  for (auto& hub : config.hubs) targets_.push_back(parse_target(hub));
  for (std::size_t i = 0; i < count; ++i) watchers_.push_back(std::make_unique<Watcher>());
}

asio::awaitable<void> WatcherSet::connect_all() {
  std::size_t next = 0, lanes_done = 0;
  auto lanes = std::min<std::size_t>(config_.concurrency, watchers_.size());
  if (lanes == 0) co_return;
  asio::steady_timer all_done(io_, asio::steady_timer::time_point::max());
  auto lane = [&](std::size_t lane_index) -> asio::awaitable<void> {
    auto source = parse_source(config_.sources[lane_index % config_.sources.size()]);
    while (next < watchers_.size()) {
      std::size_t i = next++;
      auto& w = *watchers_[i];
      // "unavailable" is safe to retry (PROTOCOL.md): a snapshot of a big colony under load may
      // exceed the hub's Redis deadline; retry up to 10 times, 200 ms apart, counting each.
      for (int attempt = 0; attempt < 10; ++attempt) {
        bool retry = false;
        try {
          w.ws = std::make_unique<Ws>(io_);
          co_await open_ws(*w.ws, targets_[i % targets_.size()], source);
          for (;;) {
            co_await send_text(*w.ws, R"({"type":"watch","colony":")" + config_.colony + R"(","token":")" +
                                          config_.admin_token + "\"}");
            auto reply = co_await read_text(*w.ws, w.buffer);
            if (reply.find("\"snapshot\"") != std::string_view::npos) break;
            if (reply.find("\"error\"") != std::string_view::npos) throw std::runtime_error(std::string(reply));
          }
          ++ready;
          asio::co_spawn(io_, read_loop(w), asio::detached);
        } catch (const std::exception& e) {
          ++failures;
          last_error = e.what();
          retry = last_error.find("unavailable") != std::string::npos;
        }
        if (!retry) break;
        asio::steady_timer wait(io_, std::chrono::milliseconds(200));
        co_await wait.async_wait(use_awaitable);
      }
    }
    if (++lanes_done == lanes) all_done.cancel();
  };
  for (std::size_t i = 0; i < lanes; ++i) asio::co_spawn(io_, lane(i), asio::detached);
  try {
    co_await all_done.async_wait(use_awaitable);
  } catch (...) {
  }
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
