#pragma once
// Dashboards that only count, paced so that they leave more of the cores to the servers they
// load: in production they would be on machines of their own (docs/benchmarks.md, "Clients on
// the servers' machine").
#include <chrono>
#include <functional>

#include <boost/asio/io_context.hpp>

namespace mi::bench {

// Runs `io` in rounds `round` apart: each round runs every handler that is ready, readiness that
// came meanwhile included, then sleeps. What arrives for a socket between rounds is read at once,
// one wakeup for all of it. Returns when `io` is stopped or has no work left.
void run_in_rounds(boost::asio::io_context& io, std::chrono::microseconds round);

// The same with the pause between rounds given: a test passes one that makes things happen
// instead of waiting.
void run_in_rounds(boost::asio::io_context& io, std::chrono::microseconds round,
                   const std::function<void(std::chrono::microseconds)>& pause);

}  // namespace mi::bench
