#pragma once
// The colony reads of docs/protocol.md section 7 (an agent's presence history, a colony's counts,
// its chat history) and the publishing of this hub's watcher counts that the counts sum. Reads
// are bounded per Redis call: long lists are read a page at a time.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "hub/core/api_error.hpp"
#include "hub/redis/connection.hpp"
#include "hub/store/keys.hpp"
#include "protocol/colony_reads.hpp"

namespace mi::hub {

struct AgentHistory {
  std::string agent_json;  // AGENT
  bool online_now = false;
  std::int64_t joined_at = 0;
  std::vector<protocol::PresenceTransition> newest_first;  // as many as were read
};

// A transition as prelude.lua records it: "<ts> online join", "<ts> online", "<ts> offline <reason>".
std::optional<protocol::PresenceTransition> parse_recorded_transition(std::string_view recorded);

class ColonyReads {
 public:
  explicit ColonyReads(const Keys& keys) : keys_(keys) {}

  // The agent and its transitions, newest first, read a page at a time while `wants_older` says
  // that the oldest read so far is not old enough (and the history goes on). not_found when there
  // is no such agent.
  boost::asio::awaitable<Outcome<AgentHistory>> agent_history(
      redis::Connection& redis, const std::string& colony, const std::string& agent_id,
      std::function<bool(const protocol::PresenceTransition& oldest_read, std::size_t read)> wants_older);

  // The colony's agents by status and kind (count_agents.lua, a slice at a time) and its watchers
  // on every registered hub (count_watchers.lua).
  boost::asio::awaitable<Outcome<protocol::ColonyCounts>> counts(redis::Connection& redis, const std::string& colony);

  // Chat events with a seq below `before` (none: the newest), newest first, at most `limit`.
  boost::asio::awaitable<Outcome<std::vector<std::string>>> chat_history(redis::Connection& redis,
                                                                         const std::string& colony,
                                                                         std::optional<std::uint64_t> before,
                                                                         std::size_t limit);

  // Tells Redis this instance's watcher counts that changed (a count of 0 removes the colony);
  // the hash lives `lifetime_ms` unless published again. The outcome: whether Redis had no hash
  // for this instance before (then every count must be published again).
  boost::asio::awaitable<Outcome<bool>> publish_watcher_counts(
      redis::Connection& redis, const std::string& instance, std::int64_t lifetime_ms,
      const std::vector<std::pair<std::string, std::int64_t>>& changes);

 private:
  const Keys& keys_;
};

}  // namespace mi::hub
