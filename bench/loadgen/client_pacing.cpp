#include "client_pacing.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <thread>

#include "net.hpp"

namespace mi::bench {

void lower_this_thread(int nice) {
  if (nice == 0) return;
  // With a thread id, setpriority(2) sets that thread alone on Linux.
  check_errno(setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), nice) == 0, "setpriority");
}

void run_in_rounds(boost::asio::io_context& io, std::chrono::microseconds round) {
  while (!io.stopped()) {
    io.poll();  // stops `io` itself when no work is left
    if (io.stopped()) break;
    std::this_thread::sleep_for(round);
  }
}

}  // namespace mi::bench
