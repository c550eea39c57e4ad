#include "client_pacing.hpp"

#include <thread>

namespace mi::bench {

void run_in_rounds(boost::asio::io_context& io, std::chrono::microseconds round) {
  run_in_rounds(io, round, [](std::chrono::microseconds pause) { std::this_thread::sleep_for(pause); });
}

void run_in_rounds(boost::asio::io_context& io, std::chrono::microseconds round,
                   const std::function<void(std::chrono::microseconds)>& pause) {
  while (!io.stopped()) {
    io.poll();  // stops `io` itself when no work is left
    if (io.stopped()) break;
    pause(round);
  }
}

}  // namespace mi::bench
