#pragma once
// Redis key names. Everything of one environment starts with "mi:<env>:"; everything of one
// colony shares the hash tag {c:<colony>} so that its scripts are valid on Redis Cluster.
// docs/architecture.md lists every key with the scripts that touch it.

#include <cstdint>
#include <string>
#include <string_view>

namespace mi::hub {

class Keys {
 public:
  explicit Keys(std::string_view env) : env_prefix_("mi:" + std::string(env) + ":") {}

  const std::string& env_prefix() const { return env_prefix_; }

  // "mi:<env>:{c:<colony>}:" — KEYS[1] of every colony script.
  std::string colony_prefix(std::string_view colony) const {
    return env_prefix_ + "{c:" + std::string(colony) + "}:";
  }
  // The colony's event stream; its pub/sub channel has the same name.
  std::string colony_events(std::string_view colony) const { return colony_prefix(colony) + "events"; }
  std::string colony_invite(std::string_view colony, std::string_view code) const {
    return colony_prefix(colony) + "invite:" + std::string(code);
  }

  // An agent's presence transitions, newest first (recorded by emit_event, prelude.lua).
  std::string agent_history(std::string_view colony, std::string_view agent_id) const {
    return colony_prefix(colony) + "history:" + std::string(agent_id);
  }
  // The colony's chat events, scored by seq (post_chat.lua), apart from the event stream.
  std::string colony_chat(std::string_view colony) const { return colony_prefix(colony) + "chat"; }

  // code -> colony: reserves a code system-wide (SET NX), never deleted once an invite uses it.
  std::string invite_code(std::string_view code) const { return env_prefix_ + "code:" + std::string(code); }

  // "mi:<env>:{hubs}:" — KEYS[1] of the hub liveness and sweep scripts. One hash tag for all hubs.
  std::string hubs_prefix() const { return env_prefix_ + "{hubs}:"; }
  // The connections a hub holds, "<colony> <connection id>" each (AgentStore::hub_connection_entry);
  // swept when the hub is lost.
  std::string hub_connections(std::string_view hub_id) const {
    return hubs_prefix() + "conns:" + std::string(hub_id);
  }
  std::string orphan_connections() const { return hubs_prefix() + "orphans"; }  // of hubs before orphan-sets
  std::string orphan_sets() const { return hubs_prefix() + "orphan-sets"; }     // the orphans:<instance> sets

  // "mi:<env>:{leases}:" — KEYS[1] of the index of colonies with presence leases
  // (lease_schedule.lua, lease_due.lua, lease_reschedule.lua).
  std::string leases_prefix() const { return env_prefix_ + "{leases}:"; }

  // Pointers to the colonies' spawn streams, one entry per clone, for provisioners.
  std::string spawn_requests() const { return env_prefix_ + "spawn-requests"; }
  std::string colony_alive(std::string_view colony, std::string_view agent_id) const {
    return colony_prefix(colony) + "alive:" + std::string(agent_id);
  }

  // Every colony that ever had an invite (for the admin panel).
  std::string colonies() const { return env_prefix_ + "colonies"; }

  // Failed onboard attempts in one 10-second bucket (unix ms / 10000; onboard_limiter.hpp), per
  // source address and for the whole system. One hash tag for both, so that one script counts a
  // failure in both at once.
  std::string onboard_failures_by_address(std::string_view address, std::int64_t bucket) const {
    return env_prefix_ + "{onboard-failures}:addr:" + std::string(address) + ":" + std::to_string(bucket);
  }
  std::string onboard_failures_global(std::int64_t bucket) const {
    return env_prefix_ + "{onboard-failures}:all:" + std::to_string(bucket);
  }

 private:
  std::string env_prefix_;
};

}  // namespace mi::hub
