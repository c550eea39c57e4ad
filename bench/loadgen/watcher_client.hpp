#pragma once
// Watchers of one colony that time events: `watch` with the admin token, skip the snapshot, then
// hand every event frame to a callback with two times (CLOCK_MONOTONIC ns): when its bytes
// reached the watcher's socket, as the kernel stamped it (arrival_stamp.hpp), and when the
// watcher read them. The first leaves out the measuring process's own wait for a core.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "config.hpp"
#include "net.hpp"
#include "raw_ws.hpp"

namespace mi::bench {

class WatcherSet {
 public:
  using OnEvent = std::function<void(std::string_view frame, ArrivalTimes times)>;
  WatcherSet(asio::io_context& io, const Config& config, std::size_t count, OnEvent on_event);

  // Opens all watchers (config.concurrency at once); returns when each has its snapshot or failed.
  asio::awaitable<void> connect_all();
  void stop();

  std::uint64_t ready = 0, failures = 0, closed = 0, events = 0;
  std::string last_error;

 private:
  struct Watcher {
    // Events are a few hundred bytes, read as they come: room for many, for ten thousand watchers.
    explicit Watcher(asio::io_context& io) : connection(io, 16 * 1024) {}
    raw_ws::Connection connection;
  };
  asio::awaitable<void> open(Watcher& w, const Target& target, const asio::ip::address& source);
  asio::awaitable<void> read_loop(Watcher& w);

  asio::io_context& io_;
  const Config& config_;
  std::vector<Target> targets_;
  std::vector<std::unique_ptr<Watcher>> watchers_;
  OnEvent on_event_;
  bool stopping_ = false;
};

}  // namespace mi::bench
