#include "hub/http/colony_reads.hpp"

#include <charconv>
#include <optional>
#include <string>
#include <variant>

#include <boost/beast/http/field.hpp>

#include "hub/core/clock.hpp"
#include "hub/core/presence_uptime.hpp"
#include "hub/fanout/shard.hpp"
#include "hub/http/http_api.hpp"
#include "protocol/colony_reads.hpp"
#include "protocol/validation.hpp"

namespace mi::hub {

namespace asio = boost::asio;
namespace http = boost::beast::http;

namespace {

constexpr std::size_t kDefaultHistoryLimit = 100;
constexpr std::size_t kDefaultChatLimit = 50;
constexpr std::size_t kMaxChatLimit = 200;

std::string between(std::string_view name, std::uint64_t min, std::uint64_t max) {
  return std::string(name) + " must be a whole number from " + std::to_string(min) + " to " + std::to_string(max) + ".";
}

}  // namespace

bool bearer_watches_colony(const HubContext& context, const HttpRequest& request, std::string_view colony) {
  auto token = bearer_token(request);
  return token && context.watch_tokens.verify(*token, colony, now_ms());
}

asio::awaitable<HttpResponse> agent_history(const RouteCall& call) {
  auto& context = call.shard.context();
  const std::string colony(call.path["colony"]);
  const std::string agent_id(call.path["agent"]);
  if (!protocol::is_valid_agent_name(agent_id)) {
    co_return json_error_response(call.request, 404, "not_found", "There is no such agent.");
  }
  const std::uint64_t max_limit = context.config.history_length;
  const auto since = number_parameter(call.query, "since", 0, static_cast<std::uint64_t>(INT64_MAX));
  if (since.bad) co_return json_error_response(call.request, 400, "bad_request", "since must be a time in ms since the epoch.");
  const auto limit_parameter = number_parameter(call.query, "limit", 1, max_limit);
  if (limit_parameter.bad) co_return json_error_response(call.request, 400, "bad_request", between("limit", 1, max_limit));
  const std::size_t limit = limit_parameter.value.value_or(std::min<std::uint64_t>(kDefaultHistoryLimit, max_limit));
  const std::int64_t since_ms = static_cast<std::int64_t>(since.value.value_or(0));

  // What is kept (--history-days) is judged on this hub's clock too: a list not written to for a
  // while still holds entries its last write did not trim.
  const std::int64_t now = now_ms();
  const std::int64_t kept_from = now - static_cast<std::int64_t>(context.config.history_days) * kDayMs;
  // Older pages are read while the uptime's longest window or the transitions asked for need them.
  auto wants_older = [&](const protocol::PresenceTransition& oldest, std::size_t read) {
    return oldest.ts >= kept_from && (oldest.ts > now - kWeekMs || (oldest.ts >= since_ms && read < limit));
  };
  auto outcome = co_await context.colony_reads.agent_history(call.shard.redis(), colony, agent_id, wants_older);
  if (auto* error = std::get_if<ApiError>(&outcome)) co_return json_error_response(call.request, *error);
  auto& history = std::get<AgentHistory>(outcome);

  std::vector<protocol::PresenceTransition> kept;
  kept.reserve(history.newest_first.size());
  for (auto& transition : history.newest_first) {
    if (transition.ts >= kept_from) kept.push_back(std::move(transition));
  }
  const auto uptime = uptime_windows(kept, history.online_now, history.joined_at, now);
  std::vector<protocol::PresenceTransition> shown;
  for (const auto& transition : kept) {
    if (shown.size() == limit) break;
    if (transition.ts >= since_ms) shown.push_back(transition);
  }
  co_return json_response(call.request, 200, protocol::serialize_agent_history(history.agent_json, shown, uptime));
}

asio::awaitable<HttpResponse> colony_stats(const RouteCall& call) {
  auto& context = call.shard.context();
  const std::string colony(call.path["colony"]);
  auto outcome = co_await context.colony_reads.counts(call.shard.redis(), colony);
  if (auto* error = std::get_if<ApiError>(&outcome)) co_return json_error_response(call.request, *error);
  co_return json_response(call.request, 200,
                          protocol::serialize_colony_stats(colony, std::get<protocol::ColonyCounts>(outcome)));
}

asio::awaitable<HttpResponse> chat_history(const RouteCall& call) {
  auto& context = call.shard.context();
  const std::string colony(call.path["colony"]);
  const auto before = number_parameter(call.query, "before", 1, static_cast<std::uint64_t>(INT64_MAX));
  if (before.bad) co_return json_error_response(call.request, 400, "bad_request", "before must be a seq, a whole number from 1.");
  const auto limit = number_parameter(call.query, "limit", 1, kMaxChatLimit);
  if (limit.bad) co_return json_error_response(call.request, 400, "bad_request", between("limit", 1, kMaxChatLimit));
  auto outcome = co_await context.colony_reads.chat_history(call.shard.redis(), colony, before.value,
                                                            limit.value.value_or(kDefaultChatLimit));
  if (auto* error = std::get_if<ApiError>(&outcome)) co_return json_error_response(call.request, *error);
  co_return json_response(call.request, 200,
                          protocol::serialize_chat_history(colony, std::get<std::vector<std::string>>(outcome)));
}

}  // namespace mi::hub
