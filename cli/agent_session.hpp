#pragma once
// Keeping one agent online: connect, `hello`, a heartbeat every interval, and after any loss a
// reconnection, forever, with backoff. Shared by `mi agent heartbeat-daemon` (the agent that
// onboarded here) and `mi agent run` (a worker started with a clone's credentials).

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include "cli/backoff.hpp"
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

class AgentSession {
 public:
  AgentSession(boost::asio::any_io_executor executor, AgentSessionOptions options);

  // Returns after stop(), the connection closed cleanly. Throws a CommandError when the hub
  // refuses the credentials, or when its certificate fails verification before any connection
  // of this run succeeded: retrying could not help.
  boost::asio::awaitable<void> run();

  // Ends run(): closes an open connection with 1000, abandons a connection attempt or a wait.
  void stop(const std::string& why);

 private:
  // How one connection attempt ended, for the next decision and the user.
  struct Attempt {
    bool signed_in = false;
    std::chrono::steady_clock::duration lasted{};
    std::optional<int> close_code;
    std::string state;     // "disconnected", "unreachable", "rejected"
    std::string sentence;  // "disconnected (1012 hub restarting)"
  };

  boost::asio::awaitable<Attempt> connect_once();
  boost::asio::awaitable<bool> send_heartbeat();
  void on_message(const std::string& text);
  std::string label() const;

  AgentSessionOptions options_;
  WsClient ws_;
  Backoff backoff_;
  boost::asio::steady_timer retry_timer_;
  LiveConnection* live_ = nullptr;  // while connected
  bool stopping_ = false;
  bool ever_signed_in_ = false;  // decides whether an untrusted certificate stops run()
};

}  // namespace mi::cli
