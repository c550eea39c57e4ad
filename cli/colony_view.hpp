#pragma once
// A colony's agents as `mi status` shows them, kept current by the hub's events when watching.

#include <cstdint>
#include <string>
#include <vector>

#include "cli/hub_records.hpp"
#include "protocol/server_message_parser.hpp"

namespace mi::cli {

class ColonyView {
 public:
  explicit ColonyView(std::string colony) : colony_(std::move(colony)) {}

  // Replaces everything (a snapshot, or the agents list of the HTTP API).
  void reset(std::uint64_t seq, std::vector<AgentRecord> agents);

  // Applies one event, whose agent object is `agent_json` as the hub wrote it, and returns what
  // happened in a few words: "jared is online".
  std::string apply(const protocol::ServerMessage& event, std::string agent_json);

  const std::string& colony() const { return colony_; }
  std::uint64_t seq() const { return seq_; }
  const std::vector<AgentRecord>& agents() const { return agents_; }

  // The table: AGENT, KIND (Remote / Hosted), STATUS (Online / Reconnecting / Offline; Reconnecting:
  // online, but no socket open, within the hub's offline grace), LAST SEEN, REASON (why an
  // Offline agent is offline), META (its status meta), in the dashboard's order.
  std::string render_table(std::int64_t now) const;
  // {"colony":..,"seq":N,"agents":[...]}
  std::string json() const;

 private:
  void upsert(AgentRecord record);

  std::string colony_;
  std::uint64_t seq_ = 0;
  std::vector<AgentRecord> agents_;  // in the dashboard's order (id_order.hpp)
};

}  // namespace mi::cli
