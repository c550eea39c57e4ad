#include "cli/agent_link.hpp"

#include <algorithm>
#include <functional>

#include "cli/json_output.hpp"
#include "cli/network_error.hpp"

namespace mi::cli {

namespace asio = boost::asio;

namespace {

asio::awaitable<void> send_or_throw(WsClient& ws, const HubEndpoint& hub, std::string message) {
  const bool sent = co_await ws.send(std::move(message));
  if (!sent) {
    co_await ws.receive_within(kReplyTimeout);  // learns why the connection is gone
    throw NetworkError(hub.text(), ws.disconnection().description);
  }
}

asio::awaitable<HubReply> next_reply(WsClient& ws, const HubEndpoint& hub,
                                     const std::function<bool(const protocol::ServerMessage&)>& wanted) {
  const auto deadline = std::chrono::steady_clock::now() + kReplyTimeout;
  while (true) {
    const auto left = std::max<std::chrono::steady_clock::duration>(deadline - std::chrono::steady_clock::now(),
                                                                    std::chrono::milliseconds(1));
    auto text = co_await ws.receive_within(left);
    if (!text) throw NetworkError(hub.text(), ws.disconnection().description);
    auto message = protocol::parse_server_message(*text);
    if (message && wanted(*message)) co_return HubReply{*std::move(message), *std::move(text)};
  }
}

}  // namespace

std::string agent_label(const Credentials& credentials) { return credentials.colony + "/" + credentials.agent; }

asio::awaitable<HubReply> request_reply(WsClient& ws, const HubEndpoint& hub, std::string request,
                                        std::string_view id_json) {
  co_await send_or_throw(ws, hub, std::move(request));
  const std::function<bool(const protocol::ServerMessage&)> answers_request =
      [id = std::string(id_json)](const protocol::ServerMessage& message) { return message.id_json == id; };
  co_return co_await next_reply(ws, hub, answers_request);
}

asio::awaitable<HubReply> say_hello(WsClient& ws, const HubEndpoint& hub, const Credentials& credentials) {
  std::string hello = JsonObject().add("type", "hello").add("id", 1).add("token", credentials.token).text();
  co_return co_await request_reply(ws, hub, std::move(hello), "1");
}

}  // namespace mi::cli
