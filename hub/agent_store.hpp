#pragma once
// Agents in Redis: redeeming an invite, a socket connecting and disconnecting, the colony's list.
// Each state change is one script of redis-scripts/ (atomic, with its event).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "hub/api_error.hpp"
#include "hub/keys.hpp"
#include "hub/redis/connection.hpp"

namespace mi::hub {

// An agent's credential: "<colony>:<agent id>:<secret>". Only SHA-256(secret) is stored; the
// colony and id route the check to the right keys.
struct AgentToken {
  std::string colony;
  std::string agent_id;
  std::string secret;

  std::string to_string() const { return colony + ":" + agent_id + ":" + secret; }
  static std::optional<AgentToken> parse(std::string_view text);
};

struct RedeemedAgent {
  std::string agent_id;
  std::string agent_json;  // AGENT
  std::string token;       // returned once, to the agent
};

struct ConnectedAgent {
  std::string agent_json;
};

struct ColonySnapshot {
  std::uint64_t seq = 0;
  std::vector<std::string> agent_jsons;
};

class AgentStore {
 public:
  explicit AgentStore(const Keys& keys, std::size_t event_stream_length)
      : keys_(keys), event_stream_length_(std::to_string(event_stream_length)) {}

  // invalid_code (unknown, used, revoked, other environment) or wrong_invite_type, or a Redis
  // failure. `code` is already normalized; `colony` is where the code index points.
  boost::asio::awaitable<Outcome<RedeemedAgent>> redeem(redis::Connection& redis, const std::string& colony,
                                                        const std::string& code,
                                                        const std::optional<std::string>& name,
                                                        const std::string& connection_id,
                                                        const std::string& hub_id);

  // unauthorized when the token does not match.
  boost::asio::awaitable<Outcome<ConnectedAgent>> connect(redis::Connection& redis, const AgentToken& token,
                                                          const std::string& connection_id,
                                                          const std::string& hub_id);

  // One socket of the agent is gone; offline with `reason` if it was the last.
  boost::asio::awaitable<Outcome<std::uint64_t>> disconnect(redis::Connection& redis, const std::string& colony,
                                                            const std::string& agent_id,
                                                            const std::string& connection_id,
                                                            const std::string& reason,
                                                            std::int64_t last_frame_ms);

  boost::asio::awaitable<Outcome<ColonySnapshot>> snapshot(redis::Connection& redis, const std::string& colony);

 private:
  const Keys& keys_;
  std::string event_stream_length_;
};

}  // namespace mi::hub
