#pragma once
// A blocking WebSocket client for tests, with a deadline on every step. It reads only when asked,
// so a test that stops calling receive() is a peer that stops reading.

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "protocol/server_message_parser.hpp"

namespace mi::test {

using namespace std::chrono_literals;

class WsClient {
 public:
  struct Options {
    std::optional<std::string> origin;
    std::string target = "/v1/ws";
    std::chrono::milliseconds timeout = 5s;
    std::string source_address;  // e.g. "127.0.0.2", to appear as another client
    std::map<std::string, std::string> headers;  // more upgrade request headers (X-Forwarded-For...)
  };

  // Connects and upgrades; check ok() (a refused upgrade leaves handshake_status() != 101).
  explicit WsClient(unsigned short port, Options options);
  explicit WsClient(unsigned short port) : WsClient(port, Options{}) {}
  ~WsClient();
  WsClient(const WsClient&) = delete;
  WsClient& operator=(const WsClient&) = delete;

  bool ok() const { return handshake_status_ == 101 && !closed_; }
  int handshake_status() const { return handshake_status_; }
  const std::string& error() const { return error_; }

  bool send(std::string_view text);
  bool send_binary(std::string_view bytes);
  bool send_ping();

  // The next text message, or nothing on timeout or close (see closed(), close_code()).
  std::optional<std::string> receive(std::chrono::milliseconds timeout = 5s);

  // Receives until a message of `type` arrives (others are dropped); throws std::runtime_error
  // with what did arrive if none comes in time.
  protocol::ServerMessage expect(std::string_view type, std::chrono::milliseconds timeout = 5s);

  // The next message, whatever its type: for a test that makes something happen and checks that
  // nothing came before it. Throws std::runtime_error if none comes in time or it does not parse.
  protocol::ServerMessage next_message(std::chrono::milliseconds timeout = 5s);

  // Receives until the server closes the socket; the close code, or -1 if it stays open.
  int wait_closed(std::chrono::milliseconds timeout = 5s);

  bool closed() const { return closed_; }
  int close_code() const { return close_code_; }

  // Closing handshake with `code`.
  void close(int code = 1000);
  // Drops the TCP connection without a close frame.
  void drop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  int handshake_status_ = 0;
  bool closed_ = false;
  int close_code_ = -1;
  std::string error_;
};

// The first message of a watcher of `colony`, with an admin or watch token.
std::string watch_request(const std::string& colony, const std::string& token);

// Onboards on a fresh socket and returns the welcome (type "welcome" or "error").
protocol::ServerMessage onboard(WsClient& client, std::string_view code, std::optional<std::string> name = {});

}  // namespace mi::test
