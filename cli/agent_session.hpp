#pragma once
// Keeping one agent online: connect, `hello`, a heartbeat every interval, and after any loss a
// reconnection, forever, with backoff. Shared by `mi agent heartbeat-daemon` (the agent that
// onboarded here) and `mi agent run` (a worker started with a clone's credentials). Both serve
// the agent's control socket (control_socket.hpp), through which the agent's one-shot commands
// act on this connection rather than opening their own.

#include <chrono>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <list>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include "cli/backoff.hpp"
#include "cli/control_socket.hpp"
#include "cli/credentials.hpp"
#include "cli/hub_endpoint.hpp"
#include "cli/live_connection.hpp"
#include "cli/ws.hpp"

namespace mi::cli {

struct AgentSessionOptions {
  Credentials credentials;
  std::filesystem::path credentials_file;  // named in messages
  HubEndpoint hub;
  std::chrono::steady_clock::duration heartbeat_interval = std::chrono::seconds(30);
  bool json = false;  // state changes and chat as JSON lines on stdout too
};

class AgentSession : public std::enable_shared_from_this<AgentSession> {
 public:
  AgentSession(boost::asio::any_io_executor executor, AgentSessionOptions options);

  // Returns after stop(), the connection closed cleanly. Throws a CommandError when the hub
  // refuses the credentials, or when its certificate fails verification before any connection
  // of this run succeeded: retrying could not help.
  boost::asio::awaitable<void> run();

  // Ends run(): closes an open connection with 1000, abandons a connection attempt or a wait.
  void stop(const std::string& why);

 private:
  // A request of the control socket on its way to the hub and back.
  struct Relay {
    Relay(boost::asio::any_io_executor executor) : wake(std::move(executor)) {}
    std::vector<std::string> frames;  // the request, and for chat and status the ping after it
    std::string request_id;           // as the hub echoes it, e.g. "relay-3" in quotes
    std::string confirm_id;           // the ping's, when there is one
    bool sent = false;                // its first frame went to the socket (or was being written)
    std::optional<std::string> answer;
    std::string lost;                 // why no answer came, once the connection ended
    boost::asio::steady_timer wake;   // cancelled when the answer comes or the connection ends
  };

  // Answers one request of the control socket: the reply line of control_socket.hpp.
  static boost::asio::awaitable<std::string> relay_for(std::weak_ptr<AgentSession> session, std::string hub,
                                                       std::string request);
  boost::asio::awaitable<std::string> relay(std::string hub, std::string request);
  // What the tick sends: the requests waiting to be relayed, or else a heartbeat.
  boost::asio::awaitable<bool> send_tick();
  // The connection ended: relays waiting for an answer get none.
  void end_relays(const std::string& why);

  // How one connection attempt ended, for the next decision and the user.
  struct Attempt {
    bool signed_in = false;
    std::chrono::steady_clock::duration lasted{};
    std::optional<int> close_code;
    std::string state;     // "disconnected", "unreachable", "rejected"
    std::string sentence;  // "disconnected (1012 hub restarting)"
  };

  boost::asio::awaitable<Attempt> connect_once();
  void on_message(const std::string& text);
  std::string label() const;

  AgentSessionOptions options_;
  WsClient ws_;
  Backoff backoff_;
  boost::asio::steady_timer retry_timer_;
  LiveConnection* live_ = nullptr;  // while connected
  bool stopping_ = false;
  bool ever_signed_in_ = false;  // decides whether an untrusted certificate stops run()
  std::shared_ptr<ControlServer> control_;
  std::list<std::shared_ptr<Relay>> relays_;   // waiting for the hub's answer
  std::deque<std::shared_ptr<Relay>> outbox_;  // not written yet
  std::uint64_t relays_made_ = 0;
};

}  // namespace mi::cli
