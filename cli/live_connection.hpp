#pragma once
// A WebSocket connection in its lasting phase: every message received goes to a handler, a tick
// runs at a fixed period beside it (a heartbeat, a redraw), and a clean close can be asked for
// at any moment. The tick is also the only writer once a close is asked for, so that the
// closing handshake never overlaps a message being written.

#include <chrono>
#include <exception>
#include <functional>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include "cli/ws.hpp"

namespace mi::cli {

class LiveConnection {
 public:
  using Duration = std::chrono::steady_clock::duration;

  struct Handlers {
    std::function<void(const std::string&)> on_message;
    Duration tick_period;
    // Returns false when the connection proved unusable.
    std::function<boost::asio::awaitable<bool>()> on_tick;
  };

  // `ws` is open and stays owned by the caller; a hub silent for `idle_timeout` is given up on.
  LiveConnection(WsClient& ws, Handlers handlers, Duration idle_timeout);

  // Returns once the connection is over: closed by the hub, lost, or closed after request_close().
  boost::asio::awaitable<void> run();

  // Starts the closing handshake (1000). Safe to call at any time while run() is active.
  void request_close();

  // Runs the tick now rather than at the end of its period (which then starts again): how a
  // message to send beside the ticks reaches the connection through its one writer.
  void tick_now();

 private:
  boost::asio::awaitable<void> tick_loop();

  WsClient& ws_;
  Handlers handlers_;
  boost::asio::steady_timer wakeup_;
  bool over_ = false;
  bool close_requested_ = false;
  bool tick_requested_ = false;
};

}  // namespace mi::cli
