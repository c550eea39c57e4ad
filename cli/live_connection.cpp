#include "cli/live_connection.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "hub/core/no_throw.hpp"
#include "cli/agent_link.hpp"

namespace mi::cli {

namespace asio = boost::asio;

LiveConnection::LiveConnection(WsClient& ws, Handlers handlers, Duration idle_timeout)
    : ws_(ws), handlers_(std::move(handlers)), wakeup_(ws.executor()) {
  ws_.keep_alive(idle_timeout);
}

void LiveConnection::request_close() {
  close_requested_ = true;
  wakeup_.cancel();
}

void LiveConnection::tick_now() {
  tick_requested_ = true;
  wakeup_.cancel();
}

asio::awaitable<void> LiveConnection::tick_loop() {
  while (!over_) {
    if (close_requested_) {
      co_await ws_.close(1000, kCloseTimeout);
      co_return;
    }
    // A tick asked for while the last one was running is not lost: it runs without a wait.
    if (!tick_requested_) {
      wakeup_.expires_after(handlers_.tick_period);
      co_await wakeup_.async_wait(kNoThrow);
    }
    tick_requested_ = false;
    if (over_ || close_requested_) continue;
    const bool usable = co_await handlers_.on_tick();
    if (!usable) {
      ws_.abort();  // the reader must not wait on a connection that cannot be written to
      co_return;
    }
  }
}

asio::awaitable<void> LiveConnection::run() {
  // The reader sees the end first; the tick loop is then woken and joined, so that nothing
  // still uses the socket when the caller moves on.
  bool tick_loop_done = false;
  std::exception_ptr tick_failure;
  asio::steady_timer tick_loop_finished(ws_.executor(), asio::steady_timer::time_point::max());
  asio::co_spawn(ws_.executor(), tick_loop(), [&](std::exception_ptr failure) {
    tick_failure = failure;
    tick_loop_done = true;
    tick_loop_finished.cancel();
  });
  while (true) {
    const auto text = co_await ws_.receive();
    if (!text) break;
    handlers_.on_message(*text);
  }
  over_ = true;
  wakeup_.cancel();
  while (!tick_loop_done) {
    co_await tick_loop_finished.async_wait(kNoThrow);
  }
  if (tick_failure) std::rethrow_exception(tick_failure);
}

}  // namespace mi::cli
