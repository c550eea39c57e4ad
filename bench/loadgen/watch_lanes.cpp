#include "watch_lanes.hpp"

#include <algorithm>
#include <exception>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace mi::bench {

using asio::use_awaitable;

asio::awaitable<void> open_in_lanes(asio::io_context& io, const Config& config, std::size_t count, OpenOne open_one,
                                    OpenCounts& counts) {
  std::size_t next = 0, lanes_done = 0;
  auto lanes = std::min<std::size_t>(config.concurrency, count);
  if (lanes == 0) co_return;
  asio::steady_timer all_done(io, asio::steady_timer::time_point::max());
  auto lane = [&](std::size_t lane_index) -> asio::awaitable<void> {
    auto source = parse_source(config.sources[lane_index % config.sources.size()]);
    while (next < count) {
      std::size_t i = next++;
      for (int attempt = 0; attempt < 10; ++attempt) {
        bool retry = false;
        try {
          co_await open_one(i, source);
          ++counts.ready;
        } catch (const std::exception& e) {
          ++counts.failures;
          counts.last_error = e.what();
          retry = counts.last_error.find("unavailable") != std::string::npos;
        }
        if (!retry) break;
        asio::steady_timer wait(io, std::chrono::milliseconds(200));
        co_await wait.async_wait(use_awaitable);
      }
    }
    if (++lanes_done == lanes) all_done.cancel();
  };
  for (std::size_t i = 0; i < lanes; ++i) asio::co_spawn(io, lane(i), asio::detached);
  try {
    co_await all_done.async_wait(use_awaitable);
  } catch (...) {
  }
}

}  // namespace mi::bench
