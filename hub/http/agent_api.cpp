#include "hub/http/agent_api.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <variant>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/beast/http/field.hpp>

#include "hub/core/crypto.hpp"
#include "hub/core/no_throw.hpp"
#include "hub/core/steady_clock.hpp"
#include "hub/fanout/shard.hpp"
#include "hub/http/http_api.hpp"
#include "hub/session/agent_actions.hpp"
#include "protocol/http_requests.hpp"
#include "protocol/server_message.hpp"
#include "protocol/validation.hpp"

namespace mi::hub {

namespace asio = boost::asio;
namespace http = boost::beast::http;

namespace {

// How long a status call may be held for --status-min-interval to end. The command line gives a
// whole HTTP exchange 10 s; a longer wait is answered 429 with Retry-After instead.
constexpr std::int64_t kStatusHoldLimitMs = 5'000;

// The agent that signed a call, once its token passed.
struct CallingAgent {
  std::string colony;
  std::string agent_id;
};

HttpResponse bad_body(const HttpRequest& request, const protocol::ParseError& error) {
  return json_error_response(request.version(), request.keep_alive(), 400, error.code, error.message);
}

// The agent whose token the Authorization header carries, checked with Redis (a read only), or
// the 401 / 503 to answer.
asio::awaitable<std::variant<CallingAgent, HttpResponse>> authenticate(const RouteCall& call) {
  const auto& request = call.request;
  auto presented = presented_agent_token(request);
  if (auto* refused = std::get_if<HttpResponse>(&presented)) co_return std::move(*refused);
  const auto* token = &std::get<AgentToken>(presented);
  auto& context = call.shard.context();
  const auto secret_sha256 = sha256_hex(token->secret);
  auto outcome = co_await context.agents.authenticate(call.shard.redis(), token->colony, token->agent_id, secret_sha256);
  if (auto* error = std::get_if<ApiError>(&outcome)) co_return json_error_response(request, *error);
  co_return CallingAgent{token->colony, token->agent_id};
}

}  // namespace

std::variant<AgentToken, HttpResponse> presented_agent_token(const HttpRequest& request) {
  auto value = bearer_token(request);
  if (!value) {
    return json_error_response(request, 401, "unauthorized",
                               "This call needs the agent's token: Authorization: Bearer <agent token>.");
  }
  // AgentToken::parse takes only a colony and an id the hub could have given: nothing else reaches Redis.
  auto token = AgentToken::parse(*value);
  if (!token) {
    return json_error_response(request, 401, "unauthorized",
                               "This agent token is malformed: use the token that onboarding returned.");
  }
  return std::move(*token);
}

asio::awaitable<HttpResponse> agent_chat(const RouteCall& call) {
  auto signed_by = co_await authenticate(call);
  if (auto* refused = std::get_if<HttpResponse>(&signed_by)) co_return std::move(*refused);
  const auto& agent = std::get<CallingAgent>(signed_by);
  auto parsed = protocol::parse_agent_chat_request(call.request.body());
  if (auto* error = std::get_if<protocol::ParseError>(&parsed)) co_return bad_body(call.request, *error);
  auto& context = call.shard.context();
  if (!context.http_chat_budgets.try_take(agent.colony + "/" + agent.agent_id, steady_ms())) {
    co_return json_error_response(call.request, ApiError{429, "rate_limited", kChatRateLimited});
  }
  auto outcome = co_await post_agent_chat(call.shard, agent.colony, agent.agent_id,
                                          std::get<protocol::AgentChatRequest>(parsed).text);
  if (auto* error = std::get_if<ApiError>(&outcome)) co_return json_error_response(call.request, *error);
  co_return json_response(call.request, 200, protocol::serialize_ok());
}

asio::awaitable<HttpResponse> agent_status(const RouteCall& call) {
  auto signed_by = co_await authenticate(call);
  if (auto* refused = std::get_if<HttpResponse>(&signed_by)) co_return std::move(*refused);
  const auto& agent = std::get<CallingAgent>(signed_by);
  auto parsed = protocol::parse_agent_status_request(call.request.body());
  if (auto* error = std::get_if<protocol::ParseError>(&parsed)) co_return bad_body(call.request, *error);
  const auto& meta = std::get<protocol::AgentStatusRequest>(parsed).meta_json;

  const auto give_up_at = steady_ms() + kStatusHoldLimitMs;
  while (true) {
    auto outcome = co_await publish_agent_status(call.shard, agent.colony, agent.agent_id, meta);
    if (auto* error = std::get_if<ApiError>(&outcome)) co_return json_error_response(call.request, *error);
    const auto& status = std::get<StatusOutcome>(outcome);
    if (status.published) co_return json_response(call.request, 200, protocol::serialize_ok());
    // Too soon after the agent's last update: published when the interval ends, as on a socket,
    // unless that is further off than a caller waits.
    const auto wait_ms = std::max<std::int64_t>(1, status.retry_after_ms);
    if (steady_ms() + wait_ms > give_up_at) {
      auto response = json_error_response(
          call.request, ApiError{429, "rate_limited",
                                 "This agent's status was updated less than --status-min-interval ago; retry in " +
                                     std::to_string(wait_ms) + " ms."});
      response.set(http::field::retry_after, std::to_string((wait_ms + 999) / 1000));
      co_return response;
    }
    asio::steady_timer wait(co_await asio::this_coro::executor, std::chrono::milliseconds(wait_ms));
    auto [ec] = co_await wait.async_wait(kNoThrow);
    if (ec) co_return json_error_response(call.request, ApiError{503, "unavailable", "The hub is stopping; retry in a moment."});
  }
}

asio::awaitable<HttpResponse> agent_clone(const RouteCall& call) {
  auto signed_by = co_await authenticate(call);
  if (auto* refused = std::get_if<HttpResponse>(&signed_by)) co_return std::move(*refused);
  const auto& agent = std::get<CallingAgent>(signed_by);
  auto outcome = co_await clone_agent(call.shard, agent.colony, agent.agent_id);
  if (auto* error = std::get_if<ApiError>(&outcome)) co_return json_error_response(call.request, *error);
  const auto& clone = std::get<ClonedAgent>(outcome);
  co_return json_response(call.request, 201, protocol::serialize_clone_result(clone.agent_json, clone.token));
}

}  // namespace mi::hub
