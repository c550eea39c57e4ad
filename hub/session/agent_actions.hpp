#pragma once
// What an agent does besides being present: post to the colony's chat, publish its status,
// clone itself. The WebSocket session (ws_session.cpp) and the HTTP API for agents
// (hub/http/agent_api.cpp) both act through these, so that an action has the same effect, the
// same counters and the same log line whichever way it came. None of them touches presence.

#include <string>

#include <boost/asio/awaitable.hpp>

#include "hub/core/api_error.hpp"
#include "hub/fanout/shard.hpp"
#include "hub/store/agent_store.hpp"

namespace mi::hub {

// The sentence of a chat over --chat-per-second / --chat-burst (rate_limited).
inline constexpr const char* kChatRateLimited = "Too many chat messages: slow down.";

// Posts `text` (already checked: non-empty UTF-8 within the limit) as the agent's chat event.
boost::asio::awaitable<Outcome<std::uint64_t>> post_agent_chat(Shard& shard, const std::string& colony,
                                                               const std::string& agent_id, const std::string& text);

// One attempt at an `update` event with `meta_json`: not published (and the wait given) when the
// agent's last update is under --status-min-interval old, on any socket or hub.
boost::asio::awaitable<Outcome<StatusOutcome>> publish_agent_status(Shard& shard, const std::string& colony,
                                                                    const std::string& agent_id,
                                                                    const std::string& meta_json);

// A hosted clone of the agent, answered only once enough replicas hold it.
boost::asio::awaitable<Outcome<ClonedAgent>> clone_agent(Shard& shard, const std::string& colony,
                                                         const std::string& agent_id);

// WAIT for --redis-min-replicas-ack replicas before an answer that confirms a write (welcome of
// a redemption, a clone); `what` names it in the log when the replicas fall short.
boost::asio::awaitable<void> wait_for_replicas_before_answering(Shard& shard, const std::string& what);

}  // namespace mi::hub
