#pragma once
// Watchers of one colony: `watch` with the admin token, wait for the snapshot, then hand every
// event frame to a callback with its arrival time (CLOCK_MONOTONIC ns).
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "config.hpp"
#include "net.hpp"

namespace mi::bench {

class WatcherSet {
 public:
  using OnEvent = std::function<void(std::string_view frame, std::int64_t now_ns)>;
  WatcherSet(asio::io_context& io, const Config& config, std::size_t count, OnEvent on_event);

  // Opens all watchers (config.concurrency at once); returns when each has its snapshot or failed.
  asio::awaitable<void> connect_all();
  void stop();

  std::uint64_t ready = 0, failures = 0, closed = 0, events = 0;
  std::string last_error;

 private:
  struct Watcher {
    std::unique_ptr<Ws> ws;
    beast::flat_buffer buffer;
  };
  asio::awaitable<void> read_loop(Watcher& w);

  asio::io_context& io_;
  const Config& config_;
  std::vector<Target> targets_;
  std::vector<std::unique_ptr<Watcher>> watchers_;
  OnEvent on_event_;
  bool stopping_ = false;
};

}  // namespace mi::bench
