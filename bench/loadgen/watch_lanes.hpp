#pragma once
// Opening many watchers: a few lanes at once, each over its source address, with the retry that
// docs/protocol.md (section 3.4) allows for "unavailable" (a snapshot of a big colony under load
// may exceed the hub's Redis deadline). Shared by the watchers that time events and those that
// only count them.
#include <cstdint>
#include <functional>
#include <string>

#include "config.hpp"
#include "net.hpp"

namespace mi::bench {

struct OpenCounts {
  std::uint64_t ready = 0, failures = 0;  // every failed attempt counts, retried or not
  std::string last_error;
};

// Opens watchers 0..count-1 with `open_one(index, source)`, config.concurrency at once; it throws
// on failure. An "unavailable" failure is retried up to 10 times, 200 ms apart. Returns when
// every watcher is open or has failed.
using OpenOne = std::function<asio::awaitable<void>(std::size_t index, const asio::ip::address& source)>;
asio::awaitable<void> open_in_lanes(asio::io_context& io, const Config& config, std::size_t count, OpenOne open_one,
                                    OpenCounts& counts);

}  // namespace mi::bench
