#pragma once
// The agent's own HTTP calls (docs/protocol.md section 2.6): chat, status and clone for an agent
// that holds no socket, authenticated with its token (Authorization: Bearer <agent token>). A
// one-shot command acts through them without connecting, so the agent's presence is left as it
// is: no online or offline event, no last_seen, no alive key. The actions themselves are the
// WebSocket's (hub/session/agent_actions.hpp), with the same limits.

#include <variant>

#include <boost/asio/awaitable.hpp>

#include "hub/store/agent_store.hpp"

#include "hub/http/http_message.hpp"
#include "hub/http/route_table.hpp"

namespace mi::hub {

// The agent token the request's "Authorization: Bearer" header carries, parsed (not yet checked
// with Redis), or the 401 to answer when there is none or it is malformed.
std::variant<AgentToken, HttpResponse> presented_agent_token(const HttpRequest& request);

// POST /v1/agents/chat {"text":".."}: 200 {"ok":true}, event `chat`.
boost::asio::awaitable<HttpResponse> agent_chat(const RouteCall& call);

// POST /v1/agents/status {"meta":{..}}: 200 {"ok":true} once the `update` event is out. A meta
// that comes within --status-min-interval of the agent's last update is published when the
// interval ends, as on a socket, if that is soon enough; otherwise 429 with Retry-After.
boost::asio::awaitable<HttpResponse> agent_status(const RouteCall& call);

// POST /v1/agents/clone: 201 {"agent":CLONE,"token":".."}, event `clone`, as `clone`/`cloned`.
boost::asio::awaitable<HttpResponse> agent_clone(const RouteCall& call);

}  // namespace mi::hub
