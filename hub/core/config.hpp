#pragma once
// Everything mi-hub can be told, from flags or MI_* environment variables. Every limit and
// interval is here with its default, so that tests run with small values.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "hub/core/address_set.hpp"

namespace mi::hub {

using Duration = std::chrono::milliseconds;

struct Config {
  // Where and who.
  std::string listen_host = "127.0.0.1";
  std::uint16_t listen_port = 8080;
  std::string redis_url = "embedded";
  std::string data_dir = "./mi-data";
  std::string env = "production";
  std::string admin_token;  // empty: generated at start and printed once
  std::string public_url;   // empty: http://<listen>
  std::string hub_id;       // empty: hostname:pid
  std::vector<std::string> allowed_origins;  // empty: public-url origin and the request's Host
  unsigned shards = 0;      // 0: one per core

  // On the internet (docs/protocol.md section 5).
  std::string tls_cert;  // both empty: plain HTTP; both set: HTTPS and WSS on --listen
  std::string tls_key;
  AddressSet trusted_proxies;  // load balancers whose X-Forwarded-For / PROXY header is believed
  bool proxy_protocol = false;  // trusted proxies open each connection with a PROXY header
  std::size_t max_connections_per_address = 1000;  // 0: no limit

  // Presence.
  Duration presence_ttl{120'000};
  Duration refresh_period{1'000};   // batched presence refresh, per shard
  Duration hub_liveness{5'000};     // lifetime of this hub's liveness key
  Duration sweep_period{2'000};     // how often dead hubs are looked for
  // How often one hub checks every agent marked online against its "alive" key and the live
  // hubs (the ghost sweep): a ghost lasts at most the presence TTL and this.
  Duration ghost_sweep_period{120'000};
  // A socket that ends without the agent closing it (a drop, a write timeout, a drain, a lost
  // hub) keeps the agent online this long, for it to come back to any hub (0: none).
  Duration offline_grace{5'000};
  // How often a hub looks for presence leases that ran out (a grace, an HTTP beat, a health
  // report): an agent goes offline at most this late.
  Duration lease_sweep_period{250};
  // How often the event subscription is probed (a message sent to itself through Redis).
  Duration pubsub_probe_period{5'000};

  // Onboarding abuse limits.
  std::uint32_t onboard_fail_limit = 10;           // per source address per minute
  std::uint32_t onboard_fail_limit_global = 1000;  // whole system per minute
  Duration onboard_fail_delay{200};  // every failed onboard answers no sooner than this

  // Sizes and deadlines.
  std::size_t max_message_bytes = 64 * 1024;
  std::size_t max_http_body_bytes = 64 * 1024;
  std::size_t max_http_header_bytes = 8 * 1024;
  std::size_t watcher_queue_bytes = 4 * 1024 * 1024;
  std::size_t snapshot_part_agents = 1000;  // a watcher's snapshot comes in parts of this many agents
  std::size_t agent_queue_bytes = 1024 * 1024;
  std::size_t max_connections = 100'000;
  Duration auth_timeout{10'000};     // first WebSocket message
  Duration http_idle_timeout{30'000};
  Duration write_timeout{10'000};    // one frame to a slow reader
  Duration handshake_timeout{10'000};      // WebSocket closing handshake
  Duration tls_handshake_timeout{10'000};  // from the accept (PROXY header included) to TLS established
  Duration proxy_header_timeout{5'000};    // from the accept to the PROXY header
  Duration redis_command_timeout{2'000};
  Duration redis_connect_timeout{2'000};
  // Longest wait between two attempts to reach Redis (full jitter below it): what a Redis back
  // from an outage may wait before the hubs serve again.
  Duration redis_reconnect_max{1'000};
  // Replicas that must hold a redemption before its `welcome` (WAIT); negative: 1 when the
  // primary has replicas, else 0.
  int redis_min_replicas_ack = -1;
  Duration drain_timeout{5'000};     // SIGTERM: sessions' close handshakes
  std::size_t event_stream_length = 10'000;
  Duration watch_token_ttl{3'600'000};
  Duration onboard_session_ttl{30LL * 24 * 3'600'000};
  Duration status_min_interval{1'000};
  double chat_per_second = 5;      // sustained chat messages per agent socket
  std::uint32_t chat_burst = 20;   // chat messages allowed at once before the rate applies

  // Webhooks (docs/webhooks.md): empty URL, none.
  std::string webhook_url;
  std::string webhook_secret;
  std::vector<std::string> webhook_events{"join", "online", "offline", "clone"};
  Duration webhook_retry_for{3'600'000};  // then an undelivered event is dropped and counted
  Duration webhook_timeout{10'000};       // one delivery's answer
  std::size_t webhook_batch_events = 100; // events per delivery at most
  Duration webhook_batch_wait{1'000};     // a delivery leaves at most this long after its first event

  // History, kept per agent and per colony.
  std::uint32_t history_days = 30;         // transitions older than this are dropped
  std::size_t history_length = 10'000;     // transitions kept per agent at most
  std::size_t chat_history_length = 10'000;  // chat messages kept per colony

  std::string log_level = "info";
  std::string web_dir;  // empty: the pages compiled into the binary
  Duration admin_session_ttl{12LL * 3'600'000};

  // Derived values.
  std::string listen_address() const;  // host:port as given
  std::string effective_public_url() const;  // --public-url, or http(s)://<listen>
  bool tls_enabled() const { return !tls_cert.empty(); }
};

struct ConfigResult {
  std::optional<Config> config;  // absent: exit with exit_code (help shown, or bad usage)
  int exit_code = 0;
};

// Parses argv (and MI_* variables); prints help or errors itself.
ConfigResult parse_config(int argc, char** argv);

// Parses "HOST:PORT" (IPv6 as [::1]:8080). Nothing when malformed.
std::optional<std::pair<std::string, std::uint16_t>> parse_host_port(const std::string& text);

// Parses seconds with an optional fraction ("2", "0.5") into milliseconds (at least 1).
std::optional<Duration> parse_seconds(const std::string& text);

}  // namespace mi::hub
