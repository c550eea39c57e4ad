#include "hub/http/http_api.hpp"

#include <algorithm>
#include <charconv>
#include <optional>
#include <variant>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <boost/beast/http/field.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/verb.hpp>

#include "hub/core/clock.hpp"
#include "hub/core/crypto.hpp"
#include "hub/http/agent_api.hpp"
#include "hub/http/colony_reads.hpp"
#include "hub/http/presence_api.hpp"
#include "hub/http/origin.hpp"
#include "hub/http/pages.hpp"
#include "hub/http/static_files.hpp"
#include "hub/redis/args.hpp"
#include "hub/store/redis_failure.hpp"
#include "protocol/http_requests.hpp"
#include "protocol/server_message.hpp"
#include "protocol/validation.hpp"

namespace mi::hub {

namespace asio = boost::asio;
namespace http = boost::beast::http;

namespace {

constexpr std::size_t kDefaultInviteListLimit = 1000;
constexpr std::size_t kMaxInviteListLimit = 10000;
constexpr std::size_t kMaxAgentsPage = 1000;  // docs/protocol.md section 8: the default and the most
constexpr std::string_view kSessionCookie = "mi_session";
constexpr std::string_view kHtml = "text/html; charset=utf-8";

HttpResponse make_response(const HttpRequest& request, unsigned status, std::string body,
                           std::string_view content_type) {
  HttpResponse response{static_cast<http::status>(status), request.version()};
  response.set(http::field::server, "mi-hub");
  response.set(http::field::content_type, content_type);
  response.set(http::field::cache_control, "no-store");
  response.set("X-Content-Type-Options", "nosniff");
  if (content_type.starts_with("text/html")) {
    // The pages load nothing from elsewhere and have no inline scripts: say so to the browser.
    response.set("Content-Security-Policy",
                 "default-src 'self'; connect-src 'self' ws: wss:; frame-ancestors 'none'; base-uri 'none'");
    response.set("Referrer-Policy", "no-referrer");
  }
  response.keep_alive(request.keep_alive());
  response.body() = std::move(body);
  response.prepare_payload();
  return response;
}

// A person's browser, off the API: it asks for HTML first (fetch() from the pages asks for */*).
bool wants_html_page(const HttpRequest& request) {
  std::string_view target(request.target().data(), request.target().size());
  if (is_api_path(target.substr(0, target.find('?')))) return false;
  const auto accept = request[http::field::accept];
  return std::string_view(accept.data(), accept.size()).find("text/html") != std::string_view::npos;
}

// The contract's JSON error; a page in the product's style for a person's browser off the API.
HttpResponse error_response(const HttpRequest& request, unsigned status, std::string_view code,
                            std::string_view message) {
  if (wants_html_page(request)) return make_response(request, status, render_error_page(status, message), kHtml);
  return json_error_response(request.version(), request.keep_alive(), status, code, message);
}

HttpResponse error_response(const HttpRequest& request, const ApiError& error) {
  return error_response(request, error.http_status, error.code, error.message);
}

HttpResponse method_not_allowed(const HttpRequest& request, std::string_view allowed) {
  auto response = error_response(request, 405, "method_not_allowed",
                                 "This path accepts " + std::string(allowed) + " only.");
  response.set(http::field::allow, allowed);
  return response;
}

HttpResponse no_such_api_path(const HttpRequest& request) {
  return error_response(request, 404, "not_found", "There is no such API path.");
}

HttpResponse nothing_at_this_path(const HttpRequest& request) {
  return error_response(request, 404, "not_found", "There is nothing at this path.");
}

// The value of one cookie of the request, if sent.
std::optional<std::string_view> cookie_value(const HttpRequest& request, std::string_view name) {
  auto header = request[http::field::cookie];
  std::string_view cookies(header.data(), header.size());
  while (!cookies.empty()) {
    auto semicolon = cookies.find(';');
    auto pair = cookies.substr(0, semicolon);
    while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
    auto eq = pair.find('=');
    if (eq != std::string_view::npos && pair.substr(0, eq) == name) return pair.substr(eq + 1);
    if (semicolon == std::string_view::npos) break;
    cookies.remove_prefix(semicolon + 1);
  }
  return std::nullopt;
}

bool is_admin(const HubContext& context, const HttpRequest& request) {
  if (auto presented = bearer_token(request); presented && !presented->empty()) {
    // Hashing first gives equal lengths, so the comparison leaks nothing about the token's length.
    return constant_time_equal(sha256_hex(*presented), sha256_hex(context.admin_token));
  }
  // The admin pages' session cookie. It is SameSite=Strict; a request that changes state must
  // also come from an allowed origin, so that no other site can act with it.
  auto cookie = cookie_value(request, kSessionCookie);
  if (!cookie || !context.admin_sessions.verify(*cookie, "admin", now_ms())) return false;
  if (request.method() == http::verb::get || request.method() == http::verb::head) return true;
  auto origin = request[http::field::origin];
  auto host = request[http::field::host];
  return origin.empty() || origin_allowed(context.config, context.public_url, std::string_view(origin.data(), origin.size()),
                                          std::string_view(host.data(), host.size()));
}

// Secure whenever the browser reached the hub over HTTPS, or the hub is published as https://:
// such a cookie is never sent over plain HTTP, where anyone on the path could read it.
std::string session_cookie(const RouteCall& call, std::string_view value, std::int64_t max_age_seconds) {
  bool secure = call.secure || call.shard.context().public_url.starts_with("https://");
  return std::string(kSessionCookie) + "=" + std::string(value) + "; Path=/; HttpOnly; SameSite=Strict; " +
         (secure ? "Secure; " : "") + "Max-Age=" + std::to_string(max_age_seconds);
}

template <class Parsed>
std::optional<HttpResponse> reject_bad_body(const HttpRequest& request, const std::variant<Parsed, protocol::ParseError>& parsed) {
  if (auto* error = std::get_if<protocol::ParseError>(&parsed)) {
    return error_response(request, 400, error->code, error->message);
  }
  return std::nullopt;
}

// The answer of a call that gives back an invite.
HttpResponse invite_response(const HttpRequest& request, unsigned status, const Outcome<protocol::Invite>& outcome) {
  if (auto* error = std::get_if<ApiError>(&outcome)) return error_response(request, *error);
  return json_response(request, status, protocol::serialize_invite(std::get<protocol::Invite>(outcome)));
}

// ---- the site: health, metrics, the invite page --------------------------------------------

asio::awaitable<HttpResponse> health(const RouteCall& call) {
  co_return json_response(call.request, 200, protocol::serialize_health("ok"));
}

asio::awaitable<HttpResponse> readiness(const RouteCall& call) {
  const auto& links_up = call.shard.context().every_redis_link_up;
  if (links_up && !links_up()) {
    co_return error_response(call.request, describe_redis_failure(redis::make_error_code(redis::Errc::not_connected), nullptr));
  }
  auto result = co_await call.shard.redis().exec(mi::redis::args("PING"));
  if (redis_failed(result)) co_return error_response(call.request, describe_redis_failure(result));
  co_return json_response(call.request, 200, protocol::serialize_health("ready"));
}

asio::awaitable<HttpResponse> metrics(const RouteCall& call) {
  co_return make_response(call.request, 200, call.shard.context().metrics.render(), "text/plain; version=0.0.4");
}

// The page behind an invite link looks the code up, and so could be used to probe codes: its
// look-ups spend the same per-address failure budget as onboard attempts, a code that cannot be
// used (or a human invite) counting as a failure, and every such answer comes after the same
// floor (--onboard-fail-delay), so that neither the page nor its timing says more than
// invalid_code does.
asio::awaitable<HttpResponse> invite_page(const RouteCall& call) {
  auto& context = call.shard.context();
  auto& redis = call.shard.redis();
  const auto started = std::chrono::steady_clock::now();
  const std::string address(call.client_address);
  auto budget = co_await context.onboard_limiter.over_budget(redis, address, now_ms());
  if (auto* error = std::get_if<ApiError>(&budget)) co_return error_response(call.request, *error);
  if (const auto& retry_after_ms = std::get<std::optional<std::int64_t>>(budget)) {
    context.metrics.onboard_rate_limited.fetch_add(1, std::memory_order_relaxed);
    const auto seconds = std::max<std::int64_t>(1, (*retry_after_ms + 999) / 1000);
    auto response = make_response(call.request, 429, render_rate_limited_page(seconds), kHtml);
    response.set(http::field::retry_after, std::to_string(seconds));
    co_return response;
  }

  const auto code = protocol::normalize_invite_code(call.path["code"]);
  std::optional<protocol::Invite> invite;
  if (code) {
    auto found = co_await context.invites.get(redis, *code);
    if (auto* error = std::get_if<ApiError>(&found); error && error->code != "not_found") {
      co_return error_response(call.request, *error);
    }
    if (auto* got = std::get_if<protocol::Invite>(&found)) invite = std::move(*got);
  }
  const bool usable = invite && invite->status == "active";
  if (usable && invite->type == "agent") {
    co_return make_response(call.request, 200, render_invite_page(*code, context.public_url), kHtml);
  }

  context.metrics.onboard_failures.fetch_add(1, std::memory_order_relaxed);
  co_await context.onboard_limiter.count_failure(redis, address, now_ms());
  asio::steady_timer floor(call.shard.io());
  floor.expires_at(started + context.config.onboard_fail_delay);
  co_await floor.async_wait(asio::as_tuple(asio::use_awaitable));
  if (!code) co_return make_response(call.request, 404, render_not_an_invite_page(), kHtml);
  if (usable) co_return make_response(call.request, 200, render_human_invite_page(*code), kHtml);
  co_return make_response(call.request, 404, render_unusable_invite_page(*code), kHtml);
}

asio::awaitable<HttpResponse> redirect_to_admin(const RouteCall& call) {
  auto response = make_response(call.request, 302, "", "text/plain");
  response.set(http::field::location, "/admin");
  co_return response;
}

// ---- /v1/session: the admin pages sign in once with the token and get an HttpOnly cookie ----

asio::awaitable<HttpResponse> sign_in(const RouteCall& call) {
  auto& context = call.shard.context();
  auto parsed = protocol::parse_sign_in_request(call.request.body());
  if (auto rejected = reject_bad_body(call.request, parsed)) co_return *rejected;
  const auto& token = std::get<protocol::SignInRequest>(parsed).token;
  if (!constant_time_equal(sha256_hex(token), sha256_hex(context.admin_token))) {
    co_return error_response(call.request, 401, "unauthorized", "That is not the admin token of this hub.");
  }
  auto ttl = context.config.admin_session_ttl;
  auto expires_at = now_ms() + ttl.count();
  auto response = json_response(call.request, 200, protocol::serialize_admin_session(true, expires_at));
  response.set(http::field::set_cookie,
               session_cookie(call, context.admin_sessions.issue("admin", expires_at),
                              std::chrono::duration_cast<std::chrono::seconds>(ttl).count()));
  co_return response;
}

asio::awaitable<HttpResponse> session_state(const RouteCall& call) {
  co_return json_response(call.request, 200,
                          protocol::serialize_admin_session(is_admin(call.shard.context(), call.request)));
}

asio::awaitable<HttpResponse> sign_out(const RouteCall& call) {
  auto response = json_response(call.request, 200, protocol::serialize_admin_session(false));
  response.set(http::field::set_cookie, session_cookie(call, "", 0));
  co_return response;
}

// ---- the admin's calls ---------------------------------------------------------------------

// The colonies that have invites, for the admin panel.
asio::awaitable<HttpResponse> list_colonies(const RouteCall& call) {
  auto& context = call.shard.context();
  auto result = co_await call.shard.redis().exec(mi::redis::args("SMEMBERS", context.keys.colonies()));
  if (redis_failed(result)) co_return error_response(call.request, describe_redis_failure(result));
  std::vector<std::string> colonies;
  for (const auto& element : result.reply.elements) colonies.push_back(element.str);
  std::sort(colonies.begin(), colonies.end());
  co_return json_response(call.request, 200, protocol::serialize_colony_list(colonies));
}

asio::awaitable<HttpResponse> create_invite(const RouteCall& call) {
  auto& context = call.shard.context();
  auto parsed = protocol::parse_create_invite_request(call.request.body());
  if (auto rejected = reject_bad_body(call.request, parsed)) co_return *rejected;
  const auto& body = std::get<protocol::CreateInviteRequest>(parsed);
  std::string colony(call.path["colony"]);
  auto outcome = co_await context.invites.create(call.shard.redis(), colony, body.type, body.name);
  if (!failed(outcome)) context.metrics.invites_created.fetch_add(1, std::memory_order_relaxed);
  co_return invite_response(call.request, 201, outcome);
}

asio::awaitable<HttpResponse> list_invites(const RouteCall& call) {
  const auto offset = number_parameter(call.query, "offset", 0, SIZE_MAX);
  if (offset.bad) co_return error_response(call.request, 400, "bad_request", "offset must be a whole number.");
  const auto limit = number_parameter(call.query, "limit", 1, kMaxInviteListLimit);
  if (limit.bad) co_return error_response(call.request, 400, "bad_request", "limit must be between 1 and 10000.");
  std::string colony(call.path["colony"]);
  auto outcome = co_await call.shard.context().invites.list(call.shard.redis(), colony, offset.value.value_or(0),
                                                             limit.value.value_or(kDefaultInviteListLimit));
  if (auto* error = std::get_if<ApiError>(&outcome)) co_return error_response(call.request, *error);
  const auto& list = std::get<InviteList>(outcome);
  co_return json_response(call.request, 200, protocol::serialize_invite_list(colony, list.total, list.invites));
}

asio::awaitable<HttpResponse> onboard_invite(const RouteCall& call) {
  auto& context = call.shard.context();
  auto parsed = protocol::parse_onboard_invite_request(call.request.body());
  if (auto rejected = reject_bad_body(call.request, parsed)) co_return *rejected;
  auto ttl_seconds = std::chrono::duration_cast<std::chrono::seconds>(context.config.onboard_session_ttl).count();
  std::string colony(call.path["colony"]);
  const auto& body = std::get<protocol::OnboardInviteRequest>(parsed);
  auto outcome = co_await context.invites.onboard_invite(call.shard.redis(), colony, body.session, body.name, ttl_seconds);
  co_return invite_response(call.request, 200, outcome);
}

asio::awaitable<HttpResponse> issue_watch_token(const RouteCall& call) {
  auto& context = call.shard.context();
  std::string colony(call.path["colony"]);
  auto expires_at = now_ms() + context.config.watch_token_ttl.count();
  co_return json_response(call.request, 200,
                          protocol::serialize_watch_token(context.watch_tokens.issue(colony, expires_at), colony,
                                                          expires_at));
}

// One page of the colony's agents; every page of a listing describes the first page's seq
// (docs/protocol.md section 8, hub/store/agent_listings.hpp).
asio::awaitable<HttpResponse> list_agents(const RouteCall& call) {
  auto& context = call.shard.context();
  std::string colony(call.path["colony"]);
  const auto limit_parameter = number_parameter(call.query, "limit", 1, kMaxAgentsPage);
  if (limit_parameter.bad) {
    co_return json_error_response(call.request, 400, "bad_request",
                                  "limit must be a whole number from 1 to " + std::to_string(kMaxAgentsPage) + ".");
  }
  const std::size_t limit = limit_parameter.value.value_or(kMaxAgentsPage);
  Outcome<AgentPage> page = ApiError{};
  if (auto cursor_text = query_parameter(call.query, "cursor")) {
    auto cursor = ListingCursor::parse(*cursor_text);
    if (!cursor) {
      co_return json_error_response(call.request, 400, "bad_request",
                                    "This cursor was not made by this API; pass next_cursor exactly as it came.");
    }
    page = co_await context.agent_listings.page(call.shard.redis(), colony, *cursor, limit, now_ms());
  } else {
    auto snapshot = co_await context.agents.snapshot(call.shard.redis(), colony);
    if (auto* error = std::get_if<ApiError>(&snapshot)) co_return error_response(call.request, *error);
    count_colony_read(context.metrics, std::get<ColonySnapshot>(snapshot));
    page = co_await context.agent_listings.first_page(call.shard.redis(), colony,
                                                      std::move(std::get<ColonySnapshot>(snapshot)), limit, now_ms());
  }
  if (auto* error = std::get_if<ApiError>(&page)) co_return error_response(call.request, *error);
  const auto& shown = std::get<AgentPage>(page);
  co_return json_response(call.request, 200,
                          protocol::serialize_agent_list(colony, shown.seq, shown.agent_jsons, shown.next_cursor));
}

// New credentials for an agent: how a provisioner gets a hosted clone's token (spawn requests
// carry no secret).
asio::awaitable<HttpResponse> issue_agent_token(const RouteCall& call) {
  std::string colony(call.path["colony"]);
  std::string agent_id(call.path["agent"]);
  if (!protocol::is_valid_agent_name(agent_id)) {
    co_return error_response(call.request, 404, "not_found", "There is no such agent.");
  }
  auto outcome = co_await call.shard.context().agents.issue_token(call.shard.redis(), colony, agent_id);
  if (auto* error = std::get_if<ApiError>(&outcome)) co_return error_response(call.request, *error);
  co_return json_response(call.request, 200,
                          protocol::serialize_agent_credentials(colony, agent_id, std::get<std::string>(outcome)));
}

asio::awaitable<HttpResponse> remove_agent(const RouteCall& call) {
  std::string colony(call.path["colony"]);
  std::string agent_id(call.path["agent"]);
  if (!protocol::is_valid_agent_name(agent_id)) {
    co_return error_response(call.request, 404, "not_found", "There is no such agent.");
  }
  const auto force = query_parameter(call.query, "force");
  if (force && *force != "true" && *force != "false") {
    co_return error_response(call.request, 400, "bad_request", "force is true or false.");
  }
  auto outcome = co_await call.shard.context().agents.remove(call.shard.redis(), colony, agent_id,
                                                             force == std::optional<std::string_view>("true"));
  if (auto* error = std::get_if<ApiError>(&outcome)) co_return error_response(call.request, *error);
  co_return json_response(call.request, 200, R"({"removed":)" + std::get<std::string>(outcome) + "}");
}

asio::awaitable<HttpResponse> get_invite(const RouteCall& call) {
  std::string code(call.path["code"]);
  auto outcome = co_await call.shard.context().invites.get(call.shard.redis(), code);
  co_return invite_response(call.request, 200, outcome);
}

asio::awaitable<HttpResponse> revoke_invite(const RouteCall& call) {
  auto& context = call.shard.context();
  std::string code(call.path["code"]);
  auto outcome = co_await context.invites.revoke(call.shard.redis(), code);
  if (!failed(outcome)) context.metrics.invites_revoked.fetch_add(1, std::memory_order_relaxed);
  co_return invite_response(call.request, 200, outcome);
}

asio::awaitable<HttpResponse> unknown_colony_action(const RouteCall& call) { co_return no_such_api_path(call.request); }

asio::awaitable<HttpResponse> websocket_without_upgrade(const RouteCall& call) {
  co_return error_response(call.request, 426, "upgrade_required", "/v1/ws is a WebSocket endpoint: open it with an Upgrade.");
}

// ---- dispatch ------------------------------------------------------------------------------

// The file under hub/http/web that serves a page path, if any.
std::optional<std::string> page_for(std::string_view path, const std::vector<std::string_view>& parts) {
  if (path == "/admin" || path == "/admin/") return "/admin.html";
  if (path == "/signin") return "/signin.html";
  if (path == "/onboard") return "/onboard.html";
  if (path == "/favicon.ico") return "/favicon.ico";
  if (parts.size() == 2 && parts[0] == "colonies" && protocol::is_valid_colony_id(parts[1])) return "/dashboard.html";
  if (parts.size() >= 2 && parts[0] == "assets") return std::string(path);
  return std::nullopt;
}

// A path no route has: a page for GET and HEAD (any other method finds nothing there), else 404.
HttpResponse page_or_not_found(const HubContext& context, const HttpRequest& request, std::string_view path) {
  if (is_api_path(path)) return no_such_api_path(request);
  auto verb = request.method();
  auto page = page_for(path, path_segments(path));
  if (!page || (verb != http::verb::get && verb != http::verb::head)) return nothing_at_this_path(request);
  auto file = find_static_file(*page, context.config.web_dir);
  if (!file) return nothing_at_this_path(request);
  return make_response(request, 200, std::move(file->bytes), file->content_type);
}

asio::awaitable<HttpResponse> dispatch(Shard& shard, const HttpRequest& request, std::string_view path,
                                       std::string_view query, const RequestSource& source) {
  using Verdict = RouteDecision::Verdict;
  auto& context = shard.context();
  auto decision = decide_route(
      http_routes(), request.method(), path, [&] { return is_admin(context, request); },
      [&](std::string_view colony) { return bearer_watches_colony(context, request, colony); });
  switch (decision.verdict) {
    case Verdict::call: {
      RouteCall call{shard, request, decision.parameters, query, source.secure, source.client_address};
      co_return co_await decision.handler(call);
    }
    case Verdict::unauthorized:
      if (decision.route->access == Access::colony_reader) {
        co_return error_response(request, 401, "unauthorized",
                                 "This call needs the admin token or a watch token of this colony: "
                                 "Authorization: Bearer <token>.");
      }
      co_return error_response(request, 401, "unauthorized",
                               "This call needs the admin token: Authorization: Bearer <token>.");
    case Verdict::bad_colony:
      co_return error_response(request, 400, "bad_colony", "A colony id is 1 to 64 characters of A-Z a-z 0-9 _ -.");
    case Verdict::method_not_allowed:
      co_return method_not_allowed(request, decision.allow);
    case Verdict::not_found:
      break;
  }
  co_return page_or_not_found(context, request, path);
}

}  // namespace

const std::vector<Route>& http_routes() {
  using enum Method;
  static const std::vector<Route> routes = {
      {"/", Access::anyone, Slashes::exact, {{any, redirect_to_admin}}},
      {"/healthz", Access::anyone, Slashes::exact, {{get_or_head, health}}},
      {"/readyz", Access::anyone, Slashes::exact, {{get_or_head, readiness}}},
      {"/metrics", Access::anyone, Slashes::exact, {{get_or_head, metrics}}},
      {"/r/{code}", Access::anyone, Slashes::tolerated, {{get_or_head, invite_page}}},
      {"/v1/ws", Access::anyone, Slashes::tolerated, {{any, websocket_without_upgrade}}},
      {"/v1/session", Access::anyone, Slashes::tolerated, {{get, session_state}, {post, sign_in}}},
      {"/v1/session/logout", Access::anyone, Slashes::tolerated, {{post, sign_out}}},
      {"/v1/colonies", Access::admin, Slashes::tolerated, {{get, list_colonies}}},
      {"/v1/colonies/{colony}/invites", Access::admin, Slashes::tolerated, {{get, list_invites}, {post, create_invite}}},
      {"/v1/colonies/{colony}/onboard-invite", Access::admin, Slashes::tolerated, {{post, onboard_invite}}},
      {"/v1/colonies/{colony}/watch-token", Access::admin, Slashes::tolerated, {{post, issue_watch_token}}},
      {"/v1/colonies/{colony}/agents", Access::admin, Slashes::tolerated, {{get, list_agents}}},
      // The colony's reads for its dashboards too (hub/http/colony_reads.hpp).
      {"/v1/colonies/{colony}/stats", Access::colony_reader, Slashes::tolerated, {{get, colony_stats}}},
      {"/v1/colonies/{colony}/chat", Access::colony_reader, Slashes::tolerated, {{get, chat_history}}},
      {"/v1/colonies/{colony}/agents/{agent}/history", Access::colony_reader, Slashes::tolerated, {{get, agent_history}}},
      // Any other action on a colony is the admin's too: 404 to the admin, 401 to anyone else, as
      // for every colony action.
      {"/v1/colonies/{colony}/{action}", Access::admin, Slashes::tolerated, {{any, unknown_colony_action}}},
      {"/v1/colonies/{colony}/agents/{agent}", Access::admin, Slashes::tolerated, {{http_delete, remove_agent}}},
      {"/v1/colonies/{colony}/agents/{agent}/token", Access::admin, Slashes::tolerated, {{post, issue_agent_token}}},
      {"/v1/colonies/{colony}/agents/{agent}/health", Access::admin, Slashes::tolerated, {{post, agent_health}}},
      {"/v1/invites/{code}", Access::admin, Slashes::tolerated, {{get, get_invite}}},
      {"/v1/invites/{code}/revoke", Access::admin, Slashes::tolerated, {{post, revoke_invite}}},
      // The agent's own calls, signed with its token (hub/http/agent_api.hpp).
      {"/v1/agents/chat", Access::anyone, Slashes::tolerated, {{post, agent_chat}}},
      {"/v1/agents/status", Access::anyone, Slashes::tolerated, {{post, agent_status}}},
      {"/v1/agents/clone", Access::anyone, Slashes::tolerated, {{post, agent_clone}}},
      // Presence without a socket (hub/http/presence_api.hpp).
      {"/v1/agents/heartbeat", Access::anyone, Slashes::tolerated, {{post, agent_heartbeat}}},
  };
  return routes;
}

HttpResponse json_error_response(unsigned version, bool keep_alive, unsigned status, std::string_view code,
                                 std::string_view message) {
  HttpResponse response{static_cast<http::status>(status), version};
  response.set(http::field::server, "mi-hub");
  response.set(http::field::content_type, "application/json");
  response.set(http::field::cache_control, "no-store");
  response.keep_alive(keep_alive);
  response.body() = protocol::serialize_http_error(code, message);
  response.prepare_payload();
  return response;
}

HttpResponse json_error_response(const HttpRequest& request, unsigned status, std::string_view code,
                                 std::string_view message) {
  return json_error_response(request.version(), request.keep_alive(), status, code, message);
}

HttpResponse json_error_response(const HttpRequest& request, const ApiError& error) {
  return json_error_response(request, error.http_status, error.code, error.message);
}

HttpResponse json_response(const HttpRequest& request, unsigned status, std::string body) {
  return make_response(request, status, std::move(body), "application/json");
}

asio::awaitable<HttpResponse> handle_http_request(Shard& shard, const HttpRequest& request,
                                                  const RequestSource& source) {
  auto& context = shard.context();
  context.metrics.http_requests.fetch_add(1, std::memory_order_relaxed);
  std::string_view target(request.target().data(), request.target().size());
  auto question = target.find('?');
  auto path = target.substr(0, question);
  auto query = question == std::string_view::npos ? std::string_view{} : target.substr(question + 1);

  auto response = co_await dispatch(shard, request, path, query, source);
  if (request.method() == http::verb::head) {
    auto length = response.body().size();
    response.body().clear();
    response.content_length(length);
  }
  if (response.result_int() >= 400) context.metrics.http_errors.fetch_add(1, std::memory_order_relaxed);
  co_return response;
}

}  // namespace mi::hub
