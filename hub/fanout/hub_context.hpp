#pragma once
// What every shard shares: configuration, identity, key names, stores and counters. Read-only
// after start, except the atomics in Metrics, the per-address connection count, the HTTP chat
// budgets, the watcher counts and the TLS contexts (each guarded by its own lock).

#include <algorithm>
#include <functional>
#include <memory>
#include <string>

#include "hub/core/agent_chat_budgets.hpp"
#include "hub/core/watcher_counts.hpp"
#include "hub/store/agent_store.hpp"
#include "hub/store/colony_reads.hpp"
#include "hub/core/config.hpp"
#include "hub/store/invite_store.hpp"
#include "hub/store/agent_listings.hpp"
#include "hub/store/keys.hpp"
#include "hub/core/metrics.hpp"
#include "hub/store/onboard_limiter.hpp"
#include "hub/core/claim_signer.hpp"
#include "hub/core/connections_per_address.hpp"
#include "hub/core/hub_instance.hpp"
#include "hub/net/tls_context.hpp"
#include "hub/redis/connection.hpp"
#include "hub/redis/endpoint.hpp"
#include "hub/redis/script_set.hpp"

namespace mi::hub {

// The limits the Lua prelude takes from the flags (redis-scripts/prelude.lua, ScriptSet).
inline std::vector<redis::ScriptConstant> script_constants(const Config& config) {
  return {{"presence_history_length", static_cast<std::int64_t>(config.history_length)},
          {"presence_history_ms", static_cast<std::int64_t>(config.history_days) * 24 * 3600 * 1000},
          {"chat_history_length", static_cast<std::int64_t>(config.chat_history_length)}};
}

struct HubContext {
  HubContext(Config config_in, redis::Endpoint redis_endpoint_in, std::string admin_token_in,
             std::string hub_id_in)
      : config(std::move(config_in)),
        redis_endpoint(std::move(redis_endpoint_in)),
        admin_token(std::move(admin_token_in)),
        hub_id(std::move(hub_id_in)),
        instance(new_hub_instance(hub_id)),
        public_url(config.effective_public_url()),
        scripts(redis::embedded_scripts(), script_constants(config)),
        keys(config.env),
        invites(keys, public_url),
        agents(keys, config.event_stream_length, config.hub_liveness.count(), config.presence_ttl.count(),
               config.redis_command_timeout),
        colony_reads(keys),
        agent_listings(keys),
        onboard_limiter(keys, config.onboard_fail_limit, config.onboard_fail_limit_global),
        watch_tokens(admin_token, "colony watch token"),
        admin_sessions(admin_token, "admin session cookie"),
        connections_per_address(config.max_connections_per_address),
        http_chat_budgets(config.chat_per_second, static_cast<double>(config.chat_burst)),
        tls(config.tls_enabled() ? std::make_unique<net::TlsContexts>(config.tls_cert, config.tls_key) : nullptr) {}

  const Config config;
  const redis::Endpoint redis_endpoint;
  const std::string admin_token;
  const std::string hub_id;    // --hub-id: how logs and operators name this hub
  const std::string instance;  // this process in the registry of hubs and in connection ids
  const std::string public_url;
  const redis::ScriptSet scripts;  // every shard's Redis connection runs these
  const Keys keys;
  InviteStore invites;
  AgentStore agents;
  ColonyReads colony_reads;
  AgentListings agent_listings;
  OnboardLimiter onboard_limiter;
  ClaimSigner watch_tokens;
  ClaimSigner admin_sessions;
  Metrics metrics;
  ConnectionsPerAddress connections_per_address;  // across the shards
  AgentChatBudgets http_chat_budgets;              // agents chatting over HTTP, across the shards
  WatcherCounts watcher_counts;                    // this hub's watchers per colony, across the shards
  const std::unique_ptr<net::TlsContexts> tls;     // absent: plain HTTP
  // Set by the Hub before it starts, callable from any shard: whether every Redis link (each
  // shard's command link, the event router's subscriber) is usable. A request lands on any shard,
  // so the hub is ready only when all of them are.
  std::function<bool()> every_redis_link_up;
};

// How every Redis link of the hub (each shard's connection, the event router's subscriber) gives
// up on a connect or a command, from the settings.
inline redis::ConnectionOptions redis_connection_options(const Config& config) {
  redis::ConnectionOptions options;
  options.command_timeout = config.redis_command_timeout;
  options.connect_timeout = config.redis_connect_timeout;
  options.reconnect_backoff_max = std::max(config.redis_reconnect_max, options.reconnect_backoff_min);
  return options;
}

}  // namespace mi::hub
