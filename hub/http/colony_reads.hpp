#pragma once
// The colony reads of docs/protocol.md section 7, for the admin or a watcher of the colony (its
// watch token as the bearer token): an agent's presence history and uptime, the colony's counts
// across hubs, its chat history.

#include <string_view>

#include <boost/asio/awaitable.hpp>

#include "hub/fanout/hub_context.hpp"
#include "hub/http/http_message.hpp"
#include "hub/http/route_table.hpp"

namespace mi::hub {

// Whether the request's bearer token is a watch token of `colony` (Access::colony_reader).
bool bearer_watches_colony(const HubContext& context, const HttpRequest& request, std::string_view colony);

// GET /v1/colonies/{colony}/agents/{agent}/history?since=ms&limit=N
boost::asio::awaitable<HttpResponse> agent_history(const RouteCall& call);

// GET /v1/colonies/{colony}/stats
boost::asio::awaitable<HttpResponse> colony_stats(const RouteCall& call);

// GET /v1/colonies/{colony}/chat?before=SEQ&limit=N
boost::asio::awaitable<HttpResponse> chat_history(const RouteCall& call);

}  // namespace mi::hub
