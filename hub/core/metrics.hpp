#pragma once
// Process-wide counters and gauges, rendered in the Prometheus text format at /metrics.
// Relaxed atomics: shards bump them on hot paths without contention on a lock.

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>

#include "hub/core/open_sessions.hpp"

namespace mi::hub {

struct Metrics {
  std::atomic<std::uint64_t> connections_accepted{0};
  std::atomic<std::uint64_t> connections_rejected{0};  // over --max-connections
  std::atomic<std::int64_t> connections_open{0};
  std::atomic<std::uint64_t> connections_over_address_limit{0};  // 429 too_many_connections
  std::atomic<std::uint64_t> proxy_header_refusals{0};  // missing, forged or malformed PROXY headers
  std::atomic<std::uint64_t> tls_handshakes{0};
  std::atomic<std::uint64_t> tls_handshake_failures{0};  // failed or timed out
  std::atomic<std::uint64_t> tls_reloads{0};
  std::atomic<std::uint64_t> tls_reload_failures{0};
  std::atomic<std::int64_t> sessions_agents{0};
  std::atomic<std::int64_t> sessions_watchers{0};
  std::atomic<std::uint64_t> http_requests{0};
  std::atomic<std::uint64_t> http_errors{0};  // replies with status >= 400
  std::atomic<std::uint64_t> ws_messages_in{0};
  std::atomic<std::uint64_t> ws_messages_out{0};
  std::atomic<std::uint64_t> ws_errors_sent{0};
  std::atomic<std::uint64_t> ws_slow_closes{0};  // closed with 4009
  std::atomic<std::uint64_t> ws_epoch_closes{0};  // closed with 4009: their colony has a new epoch
  std::atomic<std::uint64_t> history_moved_backwards{0};  // times this hub found a colony's history moved backwards
  std::atomic<std::uint64_t> invites_created{0};
  std::atomic<std::uint64_t> invites_redeemed{0};
  std::atomic<std::uint64_t> redemptions_unreplicated{0};  // welcomed short of --redis-min-replicas-ack
  std::atomic<std::uint64_t> subscription_rebuilds{0};  // wedged event subscriptions rebuilt
  std::atomic<std::uint64_t> invites_revoked{0};
  std::atomic<std::uint64_t> onboard_failures{0};
  std::atomic<std::uint64_t> onboard_rate_limited{0};
  std::atomic<std::uint64_t> events_published{0};
  std::atomic<std::uint64_t> events_delivered{0};
  std::atomic<std::uint64_t> lease_offlines{0};   // agents this hub's lease sweep put offline
  std::atomic<std::uint64_t> http_beats{0};       // POST /v1/agents/heartbeat accepted
  // Colony reads in slices (snapshots and listings, hub/core/snapshot_assembly.hpp).
  std::atomic<std::uint64_t> colony_reads{0};
  std::atomic<std::uint64_t> colony_read_slices{0};
  std::atomic<std::uint64_t> colony_read_catch_up_events{0};  // events that brought earlier slices to the last seq
  std::atomic<std::uint64_t> colony_read_restarts{0};
  std::atomic<std::uint64_t> health_reports{0};   // POST .../health accepted
  // Webhooks (docs/webhooks.md), counted by the hub that made the attempt.
  std::atomic<std::uint64_t> webhook_deliveries{0};        // POSTs answered 2xx
  std::atomic<std::uint64_t> webhook_events_delivered{0};  // events in those POSTs
  std::atomic<std::uint64_t> webhook_failures{0};          // attempts answered otherwise, or not in time
  std::atomic<std::uint64_t> webhook_events_dropped{0};    // given up after --webhook-retry-for, or trimmed unsent
  // The ts (unix ms) of the oldest selected event not yet acknowledged, of every colony, as this
  // hub's last pass over the colonies found it; 0 when there was none.
  std::atomic<std::int64_t> webhook_oldest_undelivered_ts_ms{0};
  // The WebSocket sessions open, of every role: not rendered, it is what the drain waits on.
  OpenSessions sessions_open;

  // Redis counters live in the connections; the hub sums them when rendering.
  std::function<void(std::string&)> append_extra;

  std::string render() const;
};

}  // namespace mi::hub
