#pragma once
// The local control socket of a running `heartbeat-daemon` (or `run`): how a one-shot command of
// the same agent (`chat`, `agent status`, `clone`) acts through the daemon's connection instead
// of opening one of its own, which would put the agent Online and then Offline.
//
// A Unix socket next to the credentials file (agent.json -> agent.sock), mode 0600, so that only
// the user who holds the credentials can use it. One request and one reply per connection, each
// one line of JSON:
//
//   > {"hub":"http://127.0.0.1:8080","request":{"type":"chat","text":"hello"}}
//   < {"relayed":true,"reply":{"type":"pong",...}}
//
// "request" is the WebSocket message to send (chat, status or clone, without an id). The reply is
// the hub's answer to it ("cloned" or "error"; for chat and status, which have no answer, the
// "pong" of a ping sent after it, or the "error" the hub sent first), or
// {"relayed":false,"reason":".."} when nothing was sent (the daemon is not connected right now,
// serves another hub), or {"relayed":true,"lost":".."} when the connection ended before the answer.

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/local/stream_protocol.hpp>

namespace mi::cli {

// How long a command waits for the daemon's reply: the hub's own reply time, and a margin.
inline constexpr std::chrono::seconds kControlReplyTimeout{15};

// The control socket of the daemon that runs with `credentials_file`.
std::filesystem::path control_socket_path(const std::filesystem::path& credentials_file);

// What the daemon answered; see the protocol above.
struct ControlReply {
  bool relayed = false;
  std::string reason;  // when not relayed
  std::string reply;   // the hub's answer, a JSON object, when relayed
  std::string lost;    // when relayed and the connection ended first
};

// Asks the daemon at `socket` to relay `request` to `hub`. Nothing when no daemon listens there
// (no socket, or a socket nobody serves): the command then acts by itself. Throws a CommandError
// when the daemon took the request but gave no readable reply in time.
boost::asio::awaitable<std::optional<ControlReply>> ask_daemon(const std::filesystem::path& socket,
                                                               const std::string& hub, const std::string& request);

// The daemon's side: listens on the socket and hands each request to `relay`, whose answer (a
// whole reply line, without its newline) goes back. Held by a shared_ptr: what it serves holds it.
class ControlServer : public std::enable_shared_from_this<ControlServer> {
 public:
  using Relay = std::function<boost::asio::awaitable<std::string>(std::string hub, std::string request)>;

  ControlServer(boost::asio::any_io_executor executor, std::filesystem::path socket, Relay relay);
  ~ControlServer();
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;

  // Binds the socket (mode 0600) and serves it until stop(). Empty when it listens; otherwise why
  // not (another daemon of this agent serves it, the path is too long...), for the log.
  std::string start();
  // Closes the socket and removes its file, so that commands act by themselves again.
  void stop();

 private:
  boost::asio::awaitable<void> accept_loop();
  boost::asio::awaitable<void> serve(boost::asio::local::stream_protocol::socket connection);

  boost::asio::any_io_executor executor_;
  std::filesystem::path socket_;
  Relay relay_;
  boost::asio::local::stream_protocol::acceptor acceptor_;
  bool bound_ = false;
};

// The replies a daemon writes.
std::string control_not_relayed(const std::string& reason);
std::string control_relayed(const std::string& hub_reply);
std::string control_lost(const std::string& why);

}  // namespace mi::cli
