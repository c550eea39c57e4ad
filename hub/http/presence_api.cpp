#include "hub/http/presence_api.hpp"

#include <string>
#include <variant>

#include <boost/beast/http/field.hpp>

#include "hub/core/clock.hpp"
#include "hub/core/crypto.hpp"
#include "hub/fanout/shard.hpp"
#include "hub/http/agent_api.hpp"
#include "hub/http/http_api.hpp"
#include "hub/session/agent_actions.hpp"
#include "protocol/http_requests.hpp"
#include "protocol/validation.hpp"

namespace mi::hub {

namespace asio = boost::asio;
namespace http = boost::beast::http;

namespace {

}  // namespace

asio::awaitable<HttpResponse> agent_heartbeat(const RouteCall& call) {
  const auto& request = call.request;
  auto presented = presented_agent_token(request);
  if (auto* refused = std::get_if<HttpResponse>(&presented)) co_return std::move(*refused);
  const auto* token = &std::get<AgentToken>(presented);
  auto parsed = protocol::parse_agent_beat_request(request.body());
  if (auto* error = std::get_if<protocol::ParseError>(&parsed)) co_return json_error_response(request, 400, error->code, error->message);
  const auto& beat = std::get<protocol::AgentBeatRequest>(parsed);

  auto& context = call.shard.context();
  const auto secret_sha256 = sha256_hex(token->secret);
  auto outcome = co_await context.agents.leases().beat(call.shard.redis(), token->colony, token->agent_id,
                                                       secret_sha256, now_ms());
  if (auto* error = std::get_if<ApiError>(&outcome)) co_return json_error_response(request, *error);
  context.metrics.http_beats.fetch_add(1, std::memory_order_relaxed);
  if (beat.meta_json) {
    // The beat itself is in; a meta too soon after the last update waits for the next beat.
    auto published = co_await publish_agent_status(call.shard, token->colony, token->agent_id, *beat.meta_json);
    if (auto* error = std::get_if<ApiError>(&published)) co_return json_error_response(request, *error);
  }
  co_return json_response(request, 204, "");
}

asio::awaitable<HttpResponse> agent_health(const RouteCall& call) {
  const auto& request = call.request;
  std::string colony(call.path["colony"]);
  std::string agent_id(call.path["agent"]);
  if (!protocol::is_valid_agent_name(agent_id)) co_return json_error_response(request, 404, "not_found", "There is no such agent.");
  auto parsed = protocol::parse_health_report_request(request.body());
  if (auto* error = std::get_if<protocol::ParseError>(&parsed)) co_return json_error_response(request, 400, error->code, error->message);
  const auto& report = std::get<protocol::HealthReportRequest>(parsed);
  auto& context = call.shard.context();
  auto outcome = co_await context.agents.leases().report_health(call.shard.redis(), colony, agent_id, report.healthy,
                                                                report.ttl_ms, now_ms());
  if (auto* error = std::get_if<ApiError>(&outcome)) co_return json_error_response(request, *error);
  context.metrics.health_reports.fetch_add(1, std::memory_order_relaxed);
  co_return json_response(request, 200, R"({"agent":)" + std::get<LeaseOutcome>(outcome).agent_json + "}");
}

}  // namespace mi::hub
