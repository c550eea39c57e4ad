#include "hub/core/config.hpp"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <iostream>

#include "protocol/validation.hpp"

namespace mi::hub {

std::optional<std::pair<std::string, std::uint16_t>> parse_host_port(const std::string& text) {
  std::string host;
  std::string port_text;
  if (!text.empty() && text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return std::nullopt;
    }
    host = text.substr(1, close - 1);
    port_text = text.substr(close + 2);
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string::npos) return std::nullopt;
    host = text.substr(0, colon);
    port_text = text.substr(colon + 1);
  }
  unsigned port = 0;
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (host.empty() || ec != std::errc{} || end != port_text.data() + port_text.size() ||
      port > 65535) {
    return std::nullopt;
  }
  return std::pair{host, static_cast<std::uint16_t>(port)};
}

std::optional<Duration> parse_seconds(const std::string& text) {
  double seconds = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), seconds);
  if (ec != std::errc{} || end != text.data() + text.size() || !std::isfinite(seconds) ||
      seconds <= 0 || seconds > 1e9) {
    return std::nullopt;
  }
  auto ms = static_cast<long long>(std::llround(seconds * 1000.0));
  return Duration{std::max(1LL, ms)};
}

std::string Config::listen_address() const {
  if (listen_host.find(':') != std::string::npos) {
    return "[" + listen_host + "]:" + std::to_string(listen_port);
  }
  return listen_host + ":" + std::to_string(listen_port);
}

std::string Config::effective_public_url() const {
  std::string url = public_url.empty() ? (tls_enabled() ? "https://" : "http://") + listen_address() : public_url;
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

namespace {

// "0", "0.0", "0.000"...
bool is_zero(const std::string& text) {
  double value = 1;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  return ec == std::errc{} && end == text.data() + text.size() && value == 0;
}

// A duration flag given in seconds (fractions allowed), stored in milliseconds. With
// `zero_means_none`, 0 is allowed too.
void add_seconds_option(CLI::App& app, const std::string& flag, const std::string& env_var,
                        Duration& target, const std::string& help, bool zero_means_none = false) {
  auto default_text = std::to_string(static_cast<double>(target.count()) / 1000.0);
  default_text.erase(default_text.find_last_not_of('0') + 1);
  if (default_text.back() == '.') default_text.pop_back();
  app.add_option_function<std::string>(
         flag,
         [&target, flag, zero_means_none](const std::string& text) {
           if (zero_means_none && is_zero(text)) {
             target = Duration{0};
             return;
           }
           auto parsed = parse_seconds(text);
           if (!parsed) {
             throw CLI::ValidationError(flag, zero_means_none ? "expected seconds >= 0, e.g. 5 or 0.5"
                                                              : "expected seconds > 0, e.g. 2 or 0.5");
           }
           target = *parsed;
         },
         help + (zero_means_none ? " (seconds, 0 for none; default " : " (seconds; default ") + default_text + ")")
      ->envname(env_var)
      ->type_name("SECONDS");
}

}  // namespace

ConfigResult parse_config(int argc, char** argv) {
  Config config;
  CLI::App app{
      "mi-hub: the presence hub. Agents and dashboards hold WebSocket connections to it; presence "
      "and events live in Redis.\nEvery flag can also be set by the environment variable shown."};
  app.set_version_flag("--version", "mi-hub 0.1.0");
  app.get_formatter()->column_width(40);

  std::string listen = config.listen_address();
  app.add_option("--listen", listen, "HTTP and WebSocket address, HOST:PORT")
      ->envname("MI_LISTEN")
      ->capture_default_str();
  app.add_option("--redis", config.redis_url,
                 "redis://[[user]:password@]host:port[/db], unix:///path[?db=N], "
                 "sentinel://[password@]host:port[,host:port...]/MASTER[?db=N], or embedded (a private "
                 "redis-server child with its data under --data-dir)")
      ->envname("MI_REDIS")
      ->capture_default_str();
  app.add_option("--data-dir", config.data_dir, "where the embedded Redis keeps its files")
      ->envname("MI_DATA_DIR")
      ->capture_default_str();
  app.add_option("--env", config.env,
                 "environment name; invites of one env are invisible to another")
      ->envname("MI_ENV")
      ->capture_default_str();
  add_seconds_option(app, "--presence-ttl", "MI_PRESENCE_TTL", config.presence_ttl,
                     "an agent with no frame for this long is offline");
  add_seconds_option(app, "--offline-grace", "MI_OFFLINE_GRACE", config.offline_grace,
                     "an agent whose last socket drops (not closed by the agent) stays online this long, for it to "
                     "reconnect to any hub",
                     /*zero_means_none=*/true);
  add_seconds_option(app, "--lease-sweep-period", "MI_LEASE_SWEEP_PERIOD", config.lease_sweep_period,
                     "how often a hub looks for graces, HTTP beats and health reports that ran out");
  app.add_option("--admin-token", config.admin_token,
                 "bearer token of the admin API (default: random, printed once at start)")
      ->envname("MI_ADMIN_TOKEN");
  app.add_option("--public-url", config.public_url,
                 "base of invite links <public-url>/r/CODE (default http://<listen>, https:// with --tls-cert)")
      ->envname("MI_PUBLIC_URL");
  app.add_option("--hub-id", config.hub_id, "this process's identity among hubs (default hostname:pid)")
      ->envname("MI_HUB_ID");
  app.add_option("--onboard-fail-limit", config.onboard_fail_limit,
                 "failed onboard attempts allowed per source address per minute")
      ->envname("MI_ONBOARD_FAIL_LIMIT")
      ->capture_default_str();
  app.add_option("--onboard-fail-limit-global", config.onboard_fail_limit_global,
                 "failed onboard attempts allowed per minute, whole system")
      ->envname("MI_ONBOARD_FAIL_LIMIT_GLOBAL")
      ->capture_default_str();
  add_seconds_option(app, "--onboard-fail-delay", "MI_ONBOARD_FAIL_DELAY",
                     config.onboard_fail_delay,
                     "a failed onboard is answered no sooner than this, whatever the cause");
  std::string origins;
  app.add_option("--allowed-origins", origins,
                 "comma-separated origins a browser may open a WebSocket from (default: the "
                 "public URL's origin and the request's own Host)")
      ->envname("MI_ALLOWED_ORIGINS");
  app.add_option("--shards", config.shards, "I/O threads, each with its own event loop (0: one per core)")
      ->envname("MI_SHARDS")
      ->capture_default_str();

  app.add_option("--tls-cert", config.tls_cert,
                 "PEM certificate chain (leaf first): serve HTTPS and WSS on --listen, TLS 1.2 and 1.3; "
                 "SIGHUP reloads it and --tls-key for new connections")
      ->envname("MI_TLS_CERT")
      ->check(CLI::ExistingFile);
  app.add_option("--tls-key", config.tls_key, "PEM private key of --tls-cert")
      ->envname("MI_TLS_KEY")
      ->check(CLI::ExistingFile);
  add_seconds_option(app, "--tls-handshake-timeout", "MI_TLS_HANDSHAKE_TIMEOUT", config.tls_handshake_timeout,
                     "a connection that has not finished its TLS handshake this long after its accept is closed");
  std::string trusted_proxies;
  app.add_option("--trusted-proxies", trusted_proxies,
                 "comma-separated addresses and CIDRs (IPv4, IPv6) of load balancers in front of the hub: only "
                 "from them X-Forwarded-For, X-Forwarded-Proto and PROXY headers are believed")
      ->envname("MI_TRUSTED_PROXIES");
  app.add_flag("--proxy-protocol", config.proxy_protocol,
               "trusted proxies open each connection with a PROXY protocol header (v1 or v2), as HAProxy's "
               "send-proxy does; from any other peer such a header closes the connection")
      ->envname("MI_PROXY_PROTOCOL");
  add_seconds_option(app, "--proxy-header-timeout", "MI_PROXY_HEADER_TIMEOUT", config.proxy_header_timeout,
                     "with --proxy-protocol, how long after the accept the PROXY header may take");
  app.add_option("--max-connections-per-address", config.max_connections_per_address,
                 "open sockets one client address may hold (0: no limit); past it a new connection gets "
                 "HTTP 429 too_many_connections")
      ->envname("MI_MAX_CONNECTIONS_PER_ADDRESS")
      ->capture_default_str();

  add_seconds_option(app, "--refresh-period", "MI_REFRESH_PERIOD", config.refresh_period,
                     "how often each shard refreshes presence in Redis, in one batch");
  add_seconds_option(app, "--hub-liveness", "MI_HUB_LIVENESS", config.hub_liveness,
                     "lifetime of this hub's liveness key; a hub silent this long is lost");
  add_seconds_option(app, "--sweep-period", "MI_SWEEP_PERIOD", config.sweep_period,
                     "how often lost hubs are looked for");
  add_seconds_option(app, "--ghost-sweep-period", "MI_GHOST_SWEEP_PERIOD", config.ghost_sweep_period,
                     "how often one hub puts offline the agents marked online that sent no frame for the "
                     "presence TTL and that no live hub holds (the last line of defence)");
  add_seconds_option(app, "--pubsub-probe-period", "MI_PUBSUB_PROBE_PERIOD", config.pubsub_probe_period,
                     "how often the hub checks that its event subscription still delivers (a probe it "
                     "publishes must come back within --redis-timeout, or the subscription is rebuilt)");
  app.add_option("--max-message-bytes", config.max_message_bytes,
                 "largest WebSocket message accepted; larger closes the socket with 1009")
      ->envname("MI_MAX_MESSAGE_BYTES")
      ->capture_default_str();
  app.add_option("--max-http-body-bytes", config.max_http_body_bytes,
                 "largest HTTP request body accepted; larger gets 413")
      ->envname("MI_MAX_HTTP_BODY_BYTES")
      ->capture_default_str();
  app.add_option("--watcher-queue-bytes", config.watcher_queue_bytes,
                 "outbound bytes a watcher may fall behind before it is closed with 4009")
      ->envname("MI_WATCHER_QUEUE_BYTES")
      ->capture_default_str();
  app.add_option("--snapshot-part-agents", config.snapshot_part_agents,
                 "agents per snapshot message; a larger colony's snapshot comes in parts (snapshot_part)")
      ->envname("MI_SNAPSHOT_PART_AGENTS")
      ->check(CLI::Range(std::size_t{1}, std::size_t{100'000}))
      ->capture_default_str();
  app.add_option("--agent-queue-bytes", config.agent_queue_bytes,
                 "outbound bytes an agent may fall behind before it is closed with 4009")
      ->envname("MI_AGENT_QUEUE_BYTES")
      ->capture_default_str();
  app.add_option("--max-connections", config.max_connections,
                 "open sockets this process accepts; beyond, new ones are closed at once")
      ->envname("MI_MAX_CONNECTIONS")
      ->capture_default_str();
  add_seconds_option(app, "--auth-timeout", "MI_AUTH_TIMEOUT", config.auth_timeout,
                     "a WebSocket with no first message (onboard, hello, watch) this long is closed");
  add_seconds_option(app, "--http-idle-timeout", "MI_HTTP_IDLE_TIMEOUT", config.http_idle_timeout,
                     "an HTTP connection idle this long is closed");
  add_seconds_option(app, "--write-timeout", "MI_WRITE_TIMEOUT", config.write_timeout,
                     "a peer that takes longer than this to accept one message is closed");
  add_seconds_option(app, "--handshake-timeout", "MI_HANDSHAKE_TIMEOUT", config.handshake_timeout,
                     "deadline of the WebSocket closing handshake (the 101 is a write: --write-timeout)");
  add_seconds_option(app, "--redis-timeout", "MI_REDIS_TIMEOUT", config.redis_command_timeout,
                     "deadline of each Redis command; past it the request gets 'unavailable'");
  add_seconds_option(app, "--redis-connect-timeout", "MI_REDIS_CONNECT_TIMEOUT",
                     config.redis_connect_timeout, "deadline of each Redis connection attempt");
  add_seconds_option(app, "--redis-reconnect-max", "MI_REDIS_RECONNECT_MAX", config.redis_reconnect_max,
                     "longest wait between two attempts to reach Redis (each a random wait up to it)");
  app.add_option("--redis-min-replicas-ack", config.redis_min_replicas_ack,
                 "replicas that must hold a redemption before its welcome (and a clone before its cloned), "
                 "waited for up to half of --redis-timeout (default -1: 1 if the primary has replicas or was found "
                 "through sentinels, else 0)")
      ->envname("MI_REDIS_MIN_REPLICAS_ACK")
      ->check(CLI::Range(-1, 16))
      ->capture_default_str();
  add_seconds_option(app, "--drain-timeout", "MI_DRAIN_TIMEOUT", config.drain_timeout,
                     "on SIGTERM, how long sessions get to close before the hub exits");
  app.add_option("--event-stream-length", config.event_stream_length,
                 "events kept per colony for watchers resuming with 'since' (approximate)")
      ->envname("MI_EVENT_STREAM_LENGTH")
      ->capture_default_str();
  add_seconds_option(app, "--watch-token-ttl", "MI_WATCH_TOKEN_TTL", config.watch_token_ttl,
                     "lifetime of colony watch tokens");
  add_seconds_option(app, "--status-min-interval", "MI_STATUS_MIN_INTERVAL",
                     config.status_min_interval,
                     "at most one 'update' event per agent per this interval");
  app.add_option("--chat-per-second", config.chat_per_second,
                 "chat messages an agent socket may send per second, sustained (beyond: rate_limited)")
      ->envname("MI_CHAT_PER_SECOND")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--chat-burst", config.chat_burst, "chat messages an agent socket may send at once")
      ->envname("MI_CHAT_BURST")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--web-dir", config.web_dir,
                 "serve the pages from this folder (hub/http/web) instead of the copies compiled in")
      ->envname("MI_WEB_DIR")
      ->check(CLI::ExistingDirectory);
  add_seconds_option(app, "--admin-session-ttl", "MI_ADMIN_SESSION_TTL", config.admin_session_ttl,
                     "how long a browser stays signed in to the admin pages");
  app.add_option("--webhook-url", config.webhook_url,
                 "POST presence events to this URL (docs/webhooks.md); needs --webhook-secret")
      ->envname("MI_WEBHOOK_URL");
  app.add_option("--webhook-secret", config.webhook_secret,
                 "key of the deliveries' X-Mi-Signature (HMAC-SHA256)")
      ->envname("MI_WEBHOOK_SECRET");
  std::string webhook_events = "join,online,offline,clone";
  app.add_option("--webhook-events", webhook_events,
                 "comma-separated events to deliver: join, online, offline, clone, update, chat, remove")
      ->envname("MI_WEBHOOK_EVENTS")
      ->capture_default_str();
  add_seconds_option(app, "--webhook-retry-for", "MI_WEBHOOK_RETRY_FOR", config.webhook_retry_for,
                     "how long an undelivered event is retried before it is dropped and counted");
  add_seconds_option(app, "--webhook-timeout", "MI_WEBHOOK_TIMEOUT", config.webhook_timeout,
                     "how long a delivery waits for its answer before it counts as failed");
  app.add_option("--webhook-batch-events", config.webhook_batch_events, "events per delivery at most")
      ->envname("MI_WEBHOOK_BATCH_EVENTS")
      ->check(CLI::Range(1, 100))
      ->capture_default_str();
  add_seconds_option(app, "--webhook-batch-wait", "MI_WEBHOOK_BATCH_WAIT", config.webhook_batch_wait,
                     "a delivery leaves at most this long after the first event it carries");
  app.add_option("--history-days", config.history_days, "days of presence transitions kept per agent")
      ->envname("MI_HISTORY_DAYS")
      ->check(CLI::Range(1, 3650))
      ->capture_default_str();
  app.add_option("--history-length", config.history_length, "presence transitions kept per agent at most")
      ->envname("MI_HISTORY_LENGTH")
      ->check(CLI::Range(10, 1'000'000))
      ->capture_default_str();
  app.add_option("--chat-history-length", config.chat_history_length,
                 "chat messages kept per colony, apart from the event stream")
      ->envname("MI_CHAT_HISTORY_LENGTH")
      ->check(CLI::Range(1, 10'000'000))
      ->capture_default_str();
  app.add_option("--log-level", config.log_level, "debug, info, warn or error")
      ->envname("MI_LOG_LEVEL")
      ->check(CLI::IsMember({"debug", "info", "warn", "error"}))
      ->capture_default_str();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return {std::nullopt, app.exit(e)};
  }

  auto usage_error = [](const std::string& message) {
    std::cerr << "mi-hub: " << message << "\nRun with --help for the list of flags.\n";
    return ConfigResult{std::nullopt, 2};
  };
  auto host_port = parse_host_port(listen);
  if (!host_port) return usage_error("--listen must be HOST:PORT, got '" + listen + "'");
  config.listen_host = host_port->first;
  config.listen_port = host_port->second;
  if (!protocol::is_valid_env_name(config.env)) {
    return usage_error("--env must match [A-Za-z0-9_-]{1,32}, got '" + config.env + "'");
  }
  if (config.hub_id.find_first_of(" \t\r\n") != std::string::npos) {
    return usage_error("--hub-id must not contain spaces");
  }
  if (config.tls_cert.empty() != config.tls_key.empty()) {
    return usage_error("--tls-cert and --tls-key go together: give both or neither");
  }
  std::string proxies_error;
  auto proxies = AddressSet::parse(trusted_proxies, &proxies_error);
  if (!proxies) return usage_error("--trusted-proxies: " + proxies_error);
  config.trusted_proxies = std::move(*proxies);
  if (config.proxy_protocol && config.trusted_proxies.empty()) {
    return usage_error("--proxy-protocol needs --trusted-proxies: the addresses of the proxies that send the header");
  }
  if (!config.webhook_url.empty()) {
    if (config.webhook_secret.empty()) return usage_error("--webhook-url needs --webhook-secret");
    if (config.webhook_url.rfind("http://", 0) != 0 && config.webhook_url.rfind("https://", 0) != 0) {
      return usage_error("--webhook-url must start with http:// or https://, got '" + config.webhook_url + "'");
    }
  }
  config.webhook_events.clear();
  for (std::size_t start = 0; start <= webhook_events.size();) {
    auto comma = webhook_events.find(',', start);
    if (comma == std::string::npos) comma = webhook_events.size();
    auto name = webhook_events.substr(start, comma - start);
    while (!name.empty() && name.front() == ' ') name.erase(name.begin());
    while (!name.empty() && name.back() == ' ') name.pop_back();
    static const char* const kKnown[] = {"join", "online", "offline", "clone", "update", "chat", "remove"};
    if (!name.empty()) {
      if (std::find(std::begin(kKnown), std::end(kKnown), name) == std::end(kKnown)) {
        return usage_error("--webhook-events: unknown event '" + name +
                           "' (known: join, online, offline, clone, update, chat, remove)");
      }
      config.webhook_events.push_back(name);
    }
    start = comma + 1;
  }
  if (config.max_message_bytes < 1024) return usage_error("--max-message-bytes must be >= 1024");
  if (config.shards > 256) return usage_error("--shards must be <= 256");
  for (std::size_t start = 0; start < origins.size();) {
    auto comma = origins.find(',', start);
    if (comma == std::string::npos) comma = origins.size();
    auto origin = origins.substr(start, comma - start);
    while (!origin.empty() && origin.front() == ' ') origin.erase(origin.begin());
    while (!origin.empty() && (origin.back() == ' ' || origin.back() == '/')) origin.pop_back();
    if (!origin.empty()) config.allowed_origins.push_back(origin);
    start = comma + 1;
  }
  return {config, 0};
}

}  // namespace mi::hub
