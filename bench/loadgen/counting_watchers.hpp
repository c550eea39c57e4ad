#pragma once
// Dashboards that only count their events: the load of a scenario's many watchers at the least
// cost on the client side. They speak WebSocket by hand (raw_ws.hpp: the upgrade, one masked
// `watch` frame) and count the server's frames in 64 KiB reads, so that the cores this load
// takes are the kernel's receive work and not a library's work per message.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "config.hpp"
#include "net.hpp"
#include "raw_ws.hpp"

namespace mi::bench {

// Counts the complete data messages in a stream of unmasked server frames fed in any pieces.
class FrameCounter {
 public:
  // Consumes what it can of [data, data + size) and returns the bytes consumed; the rest (a
  // partial frame header) must be offered again, with more bytes after it.
  std::size_t feed(const unsigned char* data, std::size_t size);
  std::uint64_t messages = 0;
  std::uint64_t payload_bytes = 0;  // of data frames
  bool closed = false;  // a close frame was seen

 private:
  std::uint64_t payload_left_ = 0;
};

class CountingWatchers {
 public:
  CountingWatchers(asio::io_context& io, const Config& config, std::size_t count);

  // Opens all watchers (config.concurrency at once); returns when each has its snapshot or failed.
  asio::awaitable<void> connect_all();
  void stop();
  std::uint64_t events() const;
  std::uint64_t event_bytes() const;  // payload bytes of the counted events

  std::uint64_t ready = 0, failures = 0, closed = 0;
  std::string last_error;

 private:
  struct Watcher {
    explicit Watcher(asio::io_context& io) : connection(io) {}
    raw_ws::Connection connection;  // its bytes not yet counted
    FrameCounter counter;
  };
  asio::awaitable<void> open(Watcher& w, const Target& target, const asio::ip::address& source);
  asio::awaitable<void> count_loop(Watcher& w);

  asio::io_context& io_;
  const Config& config_;
  std::vector<Target> targets_;
  std::vector<std::unique_ptr<Watcher>> watchers_;
  bool stopping_ = false;
};

}  // namespace mi::bench
