#pragma once
// What every shard shares: configuration, identity, key names, stores and counters. Read-only
// after start, except the atomics in Metrics.

#include <string>

#include "hub/store/agent_store.hpp"
#include "hub/core/config.hpp"
#include "hub/store/invite_store.hpp"
#include "hub/store/keys.hpp"
#include "hub/core/metrics.hpp"
#include "hub/store/onboard_limiter.hpp"
#include "hub/core/claim_signer.hpp"
#include "hub/redis/connection.hpp"
#include "hub/redis/endpoint.hpp"

namespace mi::hub {

struct HubContext {
  HubContext(Config config_in, redis::Endpoint redis_endpoint_in, std::string admin_token_in,
             std::string hub_id_in)
      : config(std::move(config_in)),
        redis_endpoint(std::move(redis_endpoint_in)),
        admin_token(std::move(admin_token_in)),
        hub_id(std::move(hub_id_in)),
        public_url(config.effective_public_url()),
        keys(config.env),
        invites(keys, public_url),
        agents(keys, config.event_stream_length, config.hub_liveness.count()),
        onboard_limiter(keys, config.onboard_fail_limit, config.onboard_fail_limit_global),
        watch_tokens(admin_token, "colony watch token"),
        admin_sessions(admin_token, "admin session cookie") {}

  const Config config;
  const redis::Endpoint redis_endpoint;
  const std::string admin_token;
  const std::string hub_id;
  const std::string public_url;
  const Keys keys;
  InviteStore invites;
  AgentStore agents;
  OnboardLimiter onboard_limiter;
  ClaimSigner watch_tokens;
  ClaimSigner admin_sessions;
  Metrics metrics;
};

// How every Redis link of the hub (each shard's connection, the event router's subscriber) gives
// up on a connect or a command, from the settings.
inline redis::ConnectionOptions redis_connection_options(const Config& config) {
  redis::ConnectionOptions options;
  options.command_timeout = config.redis_command_timeout;
  options.connect_timeout = config.redis_connect_timeout;
  return options;
}

}  // namespace mi::hub
