#pragma once
// A colony's agents as `mi status` shows them, kept current by the hub's events when watching.

#include <cstdint>
#include <string>
#include <vector>

#include "protocol/server_message_parser.hpp"

namespace mi::cli {

class ColonyView {
 public:
  explicit ColonyView(std::string colony) : colony_(std::move(colony)) {}

  // Replaces everything (a snapshot, or the agents list of the HTTP API).
  void reset(std::uint64_t seq, std::vector<protocol::Agent> agents);

  // Applies one event and returns what happened in a few words: "jared is online".
  std::string apply(const protocol::ServerMessage& event);

  const std::string& colony() const { return colony_; }
  std::uint64_t seq() const { return seq_; }
  const std::vector<protocol::Agent>& agents() const { return agents_; }

  // The table: AGENT, KIND (Remote / Hosted), STATUS (Online / Offline), LAST SEEN.
  std::string render_table(std::int64_t now) const;
  // {"colony":..,"seq":N,"agents":[...]}
  std::string json() const;

 private:
  void upsert(const protocol::Agent& agent);

  std::string colony_;
  std::uint64_t seq_ = 0;
  std::vector<protocol::Agent> agents_;  // in the order they joined
};

// The product's words for an agent's kind and status: its dashboard badges.
std::string kind_badge(const std::string& kind);
std::string status_badge(const std::string& status);

}  // namespace mi::cli
