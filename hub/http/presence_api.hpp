#pragma once
// Presence without a socket (docs/protocol.md section 7): an agent's HTTP beat, for serverless and
// cron agents, and a provisioner's health report of a hosted agent's pod. Each keeps the agent
// online for a while through a presence lease (hub/store/presence_leases.hpp), on any hub.

#include <boost/asio/awaitable.hpp>

#include "hub/http/http_message.hpp"
#include "hub/http/route_table.hpp"

namespace mi::hub {

// POST /v1/agents/heartbeat (Authorization: Bearer <agent token>), body optional
// {"meta":{..}}: 204. Online until --presence-ttl after the last beat, then offline "timeout".
// A meta is published as an `update`, at most one per --status-min-interval (a beat's meta that
// comes sooner is not published; the next beat's is).
boost::asio::awaitable<HttpResponse> agent_heartbeat(const RouteCall& call);

// POST /v1/colonies/{colony}/agents/{agent}/health (admin) {"healthy":true|false,"ttl":seconds}:
// 200 {"agent":AGENT}. Healthy keeps the hosted agent online for ttl; unhealthy, or no report
// within ttl, makes it offline "unhealthy". 404 not_found, 409 not_hosted (a remote agent).
boost::asio::awaitable<HttpResponse> agent_health(const RouteCall& call);

}  // namespace mi::hub
