#include "hub/core/metrics.hpp"

#include <algorithm>

#include "hub/core/clock.hpp"

namespace mi::hub {
namespace {
template <class T>
void append_metric(std::string& out, const char* name, const char* type, const char* help,
                   const std::atomic<T>& value) {
  out += "# HELP ";
  out += name;
  out += ' ';
  out += help;
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
  out += name;
  out += ' ';
  out += std::to_string(value.load(std::memory_order_relaxed));
  out += '\n';
}
}  // namespace

std::string Metrics::render() const {
  std::string out;
  out.reserve(4096);
  append_metric(out, "mi_connections_accepted_total", "counter", "TCP connections accepted.", connections_accepted);
  append_metric(out, "mi_connections_rejected_total", "counter", "Connections refused over --max-connections.", connections_rejected);
  append_metric(out, "mi_connections_open", "gauge", "Open TCP connections (HTTP and WebSocket).", connections_open);
  append_metric(out, "mi_connections_over_address_limit_total", "counter",
                "Connections answered 429 too_many_connections (over --max-connections-per-address).",
                connections_over_address_limit);
  append_metric(out, "mi_proxy_header_refusals_total", "counter",
                "Connections closed for a missing, forged or malformed PROXY header.", proxy_header_refusals);
  append_metric(out, "mi_tls_handshakes_total", "counter", "TLS handshakes completed.", tls_handshakes);
  append_metric(out, "mi_tls_handshake_failures_total", "counter", "TLS handshakes that failed or timed out.",
                tls_handshake_failures);
  append_metric(out, "mi_tls_reloads_total", "counter", "Certificate reloads (SIGHUP) that took effect.", tls_reloads);
  append_metric(out, "mi_tls_reload_failures_total", "counter", "Certificate reloads that kept the old pair.",
                tls_reload_failures);
  append_metric(out, "mi_sessions_agents", "gauge", "Authenticated agent WebSocket sessions.", sessions_agents);
  append_metric(out, "mi_sessions_watchers", "gauge", "Watcher WebSocket sessions.", sessions_watchers);
  append_metric(out, "mi_http_requests_total", "counter", "HTTP requests served.", http_requests);
  append_metric(out, "mi_http_errors_total", "counter", "HTTP replies with status >= 400.", http_errors);
  append_metric(out, "mi_ws_messages_in_total", "counter", "WebSocket messages received.", ws_messages_in);
  append_metric(out, "mi_ws_messages_out_total", "counter", "WebSocket messages sent.", ws_messages_out);
  append_metric(out, "mi_ws_errors_total", "counter", "WebSocket error replies sent.", ws_errors_sent);
  append_metric(out, "mi_ws_slow_closes_total", "counter", "Sessions closed with 4009 for falling behind.", ws_slow_closes);
  append_metric(out, "mi_ws_epoch_closes_total", "counter",
                "Watchers closed with 4009 because their colony's event history changed (a new epoch).", ws_epoch_closes);
  append_metric(out, "mi_history_moved_backwards_total", "counter",
                "Times this hub found a colony's event history moved backwards and renewed its epoch.",
                history_moved_backwards);
  append_metric(out, "mi_invites_created_total", "counter", "Invites created.", invites_created);
  append_metric(out, "mi_invites_redeemed_total", "counter", "Invites redeemed by onboarding agents.", invites_redeemed);
  append_metric(out, "mi_redemptions_unreplicated_total", "counter",
                "Redemptions and clones answered before --redis-min-replicas-ack replicas acknowledged them.",
                redemptions_unreplicated);
  append_metric(out, "mi_lease_offlines_total", "counter",
                "Agents put offline by this hub's lease sweep (a grace, an HTTP beat or a health report that ended).",
                lease_offlines);
  append_metric(out, "mi_http_beats_total", "counter", "HTTP heartbeats of agents without a socket accepted.", http_beats);
  append_metric(out, "mi_colony_reads_total", "counter", "Whole-colony reads (snapshots, first pages of the agents list).",
                colony_reads);
  append_metric(out, "mi_colony_read_slices_total", "counter", "Slices those reads took (one Redis call each).",
                colony_read_slices);
  append_metric(out, "mi_colony_read_catch_up_events_total", "counter",
                "Events read to bring a read's earlier slices to its last slice's seq.", colony_read_catch_up_events);
  append_metric(out, "mi_colony_read_restarts_total", "counter",
                "Colony reads started again (a removal took their place, the epoch or the stream moved).",
                colony_read_restarts);
  append_metric(out, "mi_health_reports_total", "counter", "Health reports of hosted agents accepted.", health_reports);
  append_metric(out, "mi_webhook_deliveries_total", "counter", "Webhook deliveries answered 2xx.", webhook_deliveries);
  append_metric(out, "mi_webhook_events_delivered_total", "counter", "Events in webhook deliveries answered 2xx.",
                webhook_events_delivered);
  append_metric(out, "mi_webhook_failures_total", "counter",
                "Webhook delivery attempts answered with no 2xx or not within --webhook-timeout.", webhook_failures);
  append_metric(out, "mi_webhook_events_dropped_total", "counter",
                "Webhook events given up: still failing after --webhook-retry-for, or trimmed from the stream unsent.",
                webhook_events_dropped);
  {
    const auto oldest = webhook_oldest_undelivered_ts_ms.load(std::memory_order_relaxed);
    const double age = oldest > 0 ? static_cast<double>(std::max<std::int64_t>(now_ms() - oldest, 0)) / 1000.0 : 0.0;
    out += "# HELP mi_webhook_oldest_undelivered_age_seconds Age of the oldest webhook event not yet acknowledged "
           "(0 when none), across colonies.\n# TYPE mi_webhook_oldest_undelivered_age_seconds gauge\n"
           "mi_webhook_oldest_undelivered_age_seconds ";
    out += std::to_string(age);
    out += '\n';
  }
  append_metric(out, "mi_subscription_rebuilds_total", "counter",
                "Event subscriptions rebuilt because a probe did not come back through them.", subscription_rebuilds);
  append_metric(out, "mi_invites_revoked_total", "counter", "Invites revoked.", invites_revoked);
  append_metric(out, "mi_onboard_failures_total", "counter", "Failed onboard attempts (bad code or type).", onboard_failures);
  append_metric(out, "mi_onboard_rate_limited_total", "counter", "Onboard attempts refused over a failure budget.", onboard_rate_limited);
  append_metric(out, "mi_events_published_total", "counter", "Events this hub produced.", events_published);
  append_metric(out, "mi_events_delivered_total", "counter", "Event deliveries to local sessions.", events_delivered);
  if (append_extra) append_extra(out);
  return out;
}

}  // namespace mi::hub
