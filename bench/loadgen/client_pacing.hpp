#pragma once
// Clients that only make load, paced so that they leave the cores to the servers they measure:
// in production they would be on machines of their own (docs/benchmarks.md, "Clients on the
// servers' machine").
#include <chrono>

#include <boost/asio/io_context.hpp>

namespace mi::bench {

// Sets the calling thread's nice value (0: leaves it). Threads it starts afterwards inherit it,
// threads started before keep theirs. Throws when the kernel refuses.
void lower_this_thread(int nice);

// Runs `io` in rounds `round` apart: each round runs every handler that is ready, readiness that
// came meanwhile included, then sleeps. What arrives for a socket between rounds is read at once,
// one wakeup for all of it. Returns when `io` is stopped or has no work left.
void run_in_rounds(boost::asio::io_context& io, std::chrono::microseconds round);

}  // namespace mi::bench
