#pragma once
// A WebSocket client for the hub's /v1/ws (over TLS for an https:// hub), with a deadline on
// every step: connecting (the TLS handshake included), each reply awaited, and the closing
// handshake. Once a connection is meant to last (keep_alive), a silent hub is pinged and given
// up on instead.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "cli/hub_endpoint.hpp"

namespace mi::cli {

// Why a connection ended, for the user.
struct Disconnection {
  std::optional<int> close_code;  // when the hub sent a close frame
  std::string description;        // "1012 hub restarting", "connection lost"
};

class WsClient {
 public:
  using Duration = std::chrono::steady_clock::duration;

  explicit WsClient(boost::asio::any_io_executor executor);
  ~WsClient();
  WsClient(const WsClient&) = delete;
  WsClient& operator=(const WsClient&) = delete;

  // Opens <hub>/v1/ws, dropping any previous connection; throws NetworkError when that fails or
  // takes longer than `timeout`, UntrustedHub when an https:// hub's certificate fails
  // verification (and then nothing was sent).
  boost::asio::awaitable<void> connect(const HubEndpoint& hub, Duration timeout);

  // Sends one text message; false when the connection is gone (the next receive says why).
  boost::asio::awaitable<bool> send(std::string text);

  // The next text message within `timeout`; nothing when the connection ended or the time ran
  // out, and then the connection is over (see disconnection()).
  boost::asio::awaitable<std::optional<std::string>> receive_within(Duration timeout);

  // From now on the connection lasts: receive() waits as long as it takes, while a hub that
  // sends nothing for half of `idle_timeout` is pinged and dropped after the other half.
  void keep_alive(Duration idle_timeout);
  boost::asio::awaitable<std::optional<std::string>> receive();

  // The closing handshake with `code`, given up after `timeout`. A pending receive then ends.
  boost::asio::awaitable<void> close(std::uint16_t code, Duration timeout);

  // Drops the connection at once: pending operations end with an error.
  void abort();

  const Disconnection& disconnection() const { return disconnection_; }
  const boost::asio::any_io_executor& executor() const { return executor_; }

 private:
  struct Connection;
  boost::asio::awaitable<std::optional<std::string>> read_text(std::optional<Duration> timeout);

  boost::asio::any_io_executor executor_;
  std::unique_ptr<Connection> connection_;
  Disconnection disconnection_;
};

}  // namespace mi::cli
