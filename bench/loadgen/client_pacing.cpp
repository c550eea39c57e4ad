#include "client_pacing.hpp"

#include <thread>

namespace mi::bench {

void run_in_rounds(boost::asio::io_context& io, std::chrono::microseconds round) {
  while (!io.stopped()) {
    io.poll();  // stops `io` itself when no work is left
    if (io.stopped()) break;
    std::this_thread::sleep_for(round);
  }
}

}  // namespace mi::bench
