#pragma once
// The bodies of the colony reads of docs/protocol.md section 7: an agent's presence history with
// its uptime, a colony's counts, its chat history. Serialized once per request.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mi::protocol {

// One change of an agent's presence.
struct PresenceTransition {
  std::int64_t ts = 0;  // ms since the epoch, the event's
  bool online = false;  // the status it changed to
  std::string reason;   // offline: closed, timeout, ...; online: "join" for the first, else empty (null)
};

// The fraction of each window the agent was online, over the time it existed within the window.
struct UptimeWindows {
  double hour = 0;
  double day = 0;
  double week = 0;
};

// {"agent":AGENT,"transitions":[{"status":..,"ts":..,"reason":..}...],"uptime":{"1h":f,"24h":f,"7d":f}}
std::string serialize_agent_history(std::string_view agent_json, const std::vector<PresenceTransition>& newest_first,
                                    const UptimeWindows& uptime);

struct ColonyCounts {
  std::uint64_t agents = 0;
  std::uint64_t online = 0;
  std::uint64_t remote = 0;
  std::uint64_t hosted = 0;
  std::uint64_t watchers = 0;
};

// {"colony":..,"agents":N,"online":N,"remote":N,"hosted":N,"watchers":N}
std::string serialize_colony_stats(std::string_view colony, const ColonyCounts& counts);

// {"colony":..,"messages":[CHAT EVENT...]} (the events as the scripts wrote them)
std::string serialize_chat_history(std::string_view colony, const std::vector<std::string>& event_jsons);

}  // namespace mi::protocol
