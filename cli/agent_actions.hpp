#pragma once
// How a one-shot command (`mi agent chat`, `mi agent status`, `mi agent clone`) acts as the agent
// without a connection of its own, which would put the agent Online and then Offline: through the
// connection of the agent's running daemon (its control socket, control_socket.hpp) when there is
// one, otherwise with the agent's HTTP calls (docs/protocol.md section 2.6), signed with its token.
// A refusal becomes a CommandError with the sentence of agent_refusal, no answer a NetworkError.

#include <filesystem>
#include <optional>
#include <string>

#include <boost/asio/awaitable.hpp>

#include "cli/command_error.hpp"
#include "cli/credentials.hpp"
#include "cli/hub_endpoint.hpp"
#include "cli/hub_records.hpp"

namespace mi::cli {

struct ClonedAgent {
  AgentRecord agent;
  std::string token;
};

class AgentActions {
 public:
  AgentActions(HubEndpoint hub, Credentials credentials, std::filesystem::path credentials_file);

  // `text` and `meta_json` are already checked against the contract's limits.
  boost::asio::awaitable<void> chat(std::string text);
  boost::asio::awaitable<void> publish_status(std::string meta_json);
  boost::asio::awaitable<ClonedAgent> clone();
  // One HTTP beat (POST /v1/agents/heartbeat), never through the daemon: it keeps the agent Online
  // for the hub's presence TTL without a socket, which is the point for cron jobs and serverless
  // agents. `meta_json`, when given, is published as `status` does.
  boost::asio::awaitable<void> http_heartbeat(std::optional<std::string> meta_json);

  // Whether the last action went through the daemon's connection (else over HTTP).
  bool through_daemon_connection() const { return relayed_; }

 private:
  // The hub's answer relayed by the daemon, or nothing when no daemon relayed it (then nothing
  // was sent, and the call goes over HTTP).
  boost::asio::awaitable<std::optional<std::string>> through_daemon(std::string request);
  // POST `path` with the agent's token; the body of a 2xx reply, a refusal thrown otherwise.
  boost::asio::awaitable<std::string> post(std::string path, std::string body);
  CommandError refused(const std::string& code, const std::string& message) const;

  HubEndpoint hub_;
  Credentials credentials_;
  std::filesystem::path credentials_file_;
  bool relayed_ = false;
};

}  // namespace mi::cli
