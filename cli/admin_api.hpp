#pragma once
// The hub's admin HTTP API (docs/protocol.md section 2), typed. Every call needs the admin token; a
// refusal becomes a CommandError with a sentence, a hub that does not answer a NetworkError.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "cli/hub_records.hpp"
#include "cli/http.hpp"
#include "cli/hub_endpoint.hpp"

namespace mi::cli {

struct InviteList {
  std::vector<InviteRecord> invites;  // newest first
  std::uint64_t total = 0;                // in the colony; more than invites.size() when cut short
};

struct ColonyAgents {
  std::string colony;
  std::uint64_t seq = 0;  // the colony's last event
  std::vector<AgentRecord> agents;
};

class AdminApi {
 public:
  AdminApi(HubEndpoint hub, std::string admin_token);

  boost::asio::awaitable<InviteRecord> create_invite(std::string colony, std::string type,
                                                     std::optional<std::string> name);
  boost::asio::awaitable<InviteList> list_invites(std::string colony);
  boost::asio::awaitable<InviteRecord> get_invite(std::string code);
  boost::asio::awaitable<InviteRecord> revoke_invite(std::string code);
  boost::asio::awaitable<ColonyAgents> list_agents(std::string colony);
  // Removes an agent from its colony (an online one only with `force`); the hub's reply,
  // {"removed":AGENT}.
  boost::asio::awaitable<std::string> remove_agent(std::string colony, std::string agent_id, bool force);
  // An agent's presence transitions (newest first) and uptime; the hub's reply,
  // {"agent":AGENT,"transitions":[..],"uptime":{..}}.
  boost::asio::awaitable<std::string> agent_history(std::string colony, std::string agent_id);
  // A token that lets a watcher follow this colony only.
  boost::asio::awaitable<std::string> watch_token(std::string colony);

  const HubEndpoint& hub() const { return hub_; }

 private:
  // Sends the request; returns the body of a 2xx reply, throws the refusal otherwise.
  boost::asio::awaitable<std::string> call(HttpRequest request, std::string subject);

  HubEndpoint hub_;
  std::string admin_token_;
};

}  // namespace mi::cli
