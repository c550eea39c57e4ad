#include "cli/event_loop.hpp"

#include <exception>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

namespace mi::cli {

void run_event_loop(const std::function<boost::asio::awaitable<void>()>& task) {
  boost::asio::io_context io;
  std::exception_ptr failure;
  boost::asio::co_spawn(io, task(), [&](std::exception_ptr error) {
    failure = error;
    // Whatever the task left behind (a timer, a half-closed socket) has no one waiting for it.
    io.stop();
  });
  io.run();
  if (failure) std::rethrow_exception(failure);
}

}  // namespace mi::cli
