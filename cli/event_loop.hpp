#pragma once
// Each command runs its network work as one coroutine on a single-threaded event loop.

#include <functional>

#include <boost/asio/awaitable.hpp>

namespace mi::cli {

// Runs `task` until it finishes; rethrows what it threw.
void run_event_loop(const std::function<boost::asio::awaitable<void>()>& task);

}  // namespace mi::cli
