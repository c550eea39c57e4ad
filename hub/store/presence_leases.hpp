#pragma once
// Presence without a socket, and the grace of a dropped one (docs/protocol.md section 7): leases
// that keep an agent online for a while. Each lives in its agent's hash and in its colony's lease
// set (redis-scripts/prelude.lua, "Presence leases"); an index of colonies by their next lease end
// ({leases}:due) lets any hub's sweep settle the leases that ended, so that an agent whose hub
// drained or died still goes offline when its grace ends.

#include <cstdint>
#include <optional>
#include <string>

#include <boost/asio/awaitable.hpp>

#include "hub/core/api_error.hpp"
#include "hub/redis/connection.hpp"
#include "hub/store/keys.hpp"

namespace mi::hub {

// What an HTTP beat or a health report did.
struct LeaseOutcome {
  std::uint64_t event_seq = 0;  // the "online" or "offline" event it caused, 0 for none
  std::string agent_json;       // the agent after it (health reports only)
};

// What one round of the lease sweep did.
struct LeaseSweep {
  std::size_t colonies = 0;  // colonies whose leases were settled
  std::size_t offlined = 0;  // agents put offline
  bool complete = true;      // false: Redis failed midway (the next round goes on)
};

class PresenceLeases {
 public:
  PresenceLeases(const Keys& keys, std::size_t event_stream_length, std::int64_t presence_ttl_ms)
      : keys_(keys), event_stream_length_(std::to_string(event_stream_length)), presence_ttl_ms_(presence_ttl_ms) {}

  // Files `colony` under `lease_end` (ms) in the index of due colonies; nothing for 0.
  boost::asio::awaitable<bool> file(redis::Connection& redis, const std::string& colony, std::int64_t lease_end);

  // An HTTP beat (agent_beat.lua): unauthorized (401) when the secret does not match.
  boost::asio::awaitable<Outcome<LeaseOutcome>> beat(redis::Connection& redis, const std::string& colony,
                                                     const std::string& agent_id, const std::string& secret_sha256,
                                                     std::int64_t now);

  // A provisioner's health report of a hosted agent (report_health.lua): not_found (404),
  // not_hosted (409).
  boost::asio::awaitable<Outcome<LeaseOutcome>> report_health(redis::Connection& redis, const std::string& colony,
                                                              const std::string& agent_id, bool healthy,
                                                              std::int64_t ttl_ms, std::int64_t now);

  // One round: the colonies due at `now` (at most `max_colonies`), their ended leases settled
  // (expire_leases.lua), each filed again under its next lease end.
  boost::asio::awaitable<LeaseSweep> sweep(redis::Connection& redis, std::int64_t now, std::size_t max_colonies);

 private:
  const Keys& keys_;
  std::string event_stream_length_;
  std::int64_t presence_ttl_ms_;
};

}  // namespace mi::hub
