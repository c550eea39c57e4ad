#pragma once
// The agent side of the WebSocket conversation: hello, and requests that expect a reply.

#include <chrono>
#include <filesystem>
#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>

#include "cli/credentials.hpp"
#include "cli/hub_endpoint.hpp"
#include "cli/ws.hpp"
#include "protocol/server_message_parser.hpp"

namespace mi::cli {

inline constexpr std::chrono::seconds kConnectTimeout{10};
inline constexpr std::chrono::seconds kReplyTimeout{10};
inline constexpr std::chrono::seconds kCloseTimeout{3};

// A message from the hub, read, and as it came (for the raw objects that --json passes on).
struct HubReply {
  protocol::ServerMessage message;
  std::string frame;
};

// Sends `request`, which carries "id": `id_json`, and returns the hub's reply to it (an
// "error" included). Anything else that arrives meanwhile, a chat event say, is passed over.
// Throws NetworkError when the connection ends or no reply comes within kReplyTimeout.
boost::asio::awaitable<HubReply> request_reply(WsClient& ws, const HubEndpoint& hub, std::string request,
                                               std::string_view id_json);

// Sends `hello` on an open connection: the hub's "welcome" or "error".
boost::asio::awaitable<HubReply> say_hello(WsClient& ws, const HubEndpoint& hub, const Credentials& credentials);

// What agent_refusal needs to know about an agent's error.
std::string agent_label(const Credentials& credentials);

}  // namespace mi::cli
