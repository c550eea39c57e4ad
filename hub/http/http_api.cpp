#include "hub/http/http_api.hpp"

#include <algorithm>
#include <charconv>
#include <vector>

#include <boost/beast/http/field.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/verb.hpp>

#include "hub/core/clock.hpp"
#include "hub/core/crypto.hpp"
#include "hub/http/origin.hpp"
#include "hub/http/static_files.hpp"
#include "hub/http/pages.hpp"
#include "hub/redis/args.hpp"
#include "hub/store/redis_failure.hpp"
#include "protocol/http_requests.hpp"
#include "protocol/json_writer.hpp"
#include "protocol/server_message.hpp"
#include "protocol/validation.hpp"

namespace mi::hub {

namespace asio = boost::asio;
namespace http = boost::beast::http;

namespace {

constexpr std::size_t kDefaultInviteListLimit = 1000;
constexpr std::size_t kMaxInviteListLimit = 10000;

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

HttpResponse json_response(const HttpRequest& request, unsigned status, std::string body) {
  return make_response(request, status, std::move(body), "application/json");
}

HttpResponse error_response(const HttpRequest& request, unsigned status, std::string_view code,
                            std::string_view message) {
  return json_error_response(request.version(), request.keep_alive(), status, code, message);
}

HttpResponse error_response(const HttpRequest& request, const ApiError& error) {
  return error_response(request, error.http_status, error.code, error.message);
}

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (start < path.size()) {
    if (path[start] == '/') {
      ++start;
      continue;
    }
    auto end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    parts.push_back(path.substr(start, end - start));
    start = end;
  }
  return parts;
}

// The value of `name` in a query string, undecoded (the API's parameters are plain numbers).
std::optional<std::string_view> query_parameter(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    auto amp = query.find('&');
    auto pair = query.substr(0, amp);
    auto eq = pair.find('=');
    if (pair.substr(0, eq) == name) return eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1);
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

std::optional<std::size_t> parse_size(std::string_view text) {
  std::size_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return value;
}

constexpr std::string_view kSessionCookie = "mi_session";

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
  auto header = request[http::field::authorization];
  constexpr std::string_view kBearer = "Bearer ";
  if (header.size() > kBearer.size() && std::string_view(header.data(), kBearer.size()) == kBearer) {
    auto presented = std::string_view(header.data() + kBearer.size(), header.size() - kBearer.size());
    // Hashing first gives equal lengths, so the comparison leaks nothing about the token's length.
    return constant_time_equal(sha256_hex(presented), sha256_hex(context.admin_token));
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

std::string session_cookie(std::string_view value, std::int64_t max_age_seconds) {
  return std::string(kSessionCookie) + "=" + std::string(value) + "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" +
         std::to_string(max_age_seconds);
}

HttpResponse method_not_allowed(const HttpRequest& request, std::string_view allowed) {
  auto response = error_response(request, 405, "method_not_allowed",
                                 "This path accepts " + std::string(allowed) + " only.");
  response.set(http::field::allow, allowed);
  return response;
}

std::string invite_list_json(const std::string& colony, const InviteList& list) {
  std::string out = "{\"colony\":";
  protocol::append_json_string(out, colony);
  out += ",\"total\":";
  protocol::append_json_int(out, static_cast<std::int64_t>(list.total));
  out += ",\"invites\":[";
  for (std::size_t i = 0; i < list.invites.size(); ++i) {
    if (i > 0) out += ',';
    protocol::append_invite(out, list.invites[i]);
  }
  out += "]}";
  return out;
}

std::string agents_json(const std::string& colony, const ColonySnapshot& snapshot) {
  std::string out = "{\"colony\":";
  protocol::append_json_string(out, colony);
  out += ",\"seq\":";
  protocol::append_json_int(out, static_cast<std::int64_t>(snapshot.seq));
  out += ",\"agents\":[";
  for (std::size_t i = 0; i < snapshot.agent_jsons.size(); ++i) {
    if (i > 0) out += ',';
    out += snapshot.agent_jsons[i];
  }
  out += "]}";
  return out;
}

template <class Parsed>
std::optional<HttpResponse> reject_bad_body(const HttpRequest& request, const std::variant<Parsed, protocol::ParseError>& parsed) {
  if (auto* error = std::get_if<protocol::ParseError>(&parsed)) {
    return error_response(request, 400, error->code, error->message);
  }
  return std::nullopt;
}

asio::awaitable<HttpResponse> colony_route(Shard& shard, const HttpRequest& request, const std::string& colony,
                                           std::string_view action, std::string_view query) {
  auto& context = shard.context();
  auto& redis = shard.redis();
  auto verb = request.method();
  if (action == "invites") {
    if (verb == http::verb::post) {
      auto parsed = protocol::parse_create_invite_request(request.body());
      if (auto rejected = reject_bad_body(request, parsed)) co_return *rejected;
      const auto& body = std::get<protocol::CreateInviteRequest>(parsed);
      auto outcome = co_await context.invites.create(redis, colony, body.type, body.name);
      if (auto* error = std::get_if<ApiError>(&outcome)) co_return error_response(request, *error);
      context.metrics.invites_created.fetch_add(1, std::memory_order_relaxed);
      co_return json_response(request, 201, protocol::serialize_invite(std::get<protocol::Invite>(outcome)));
    }
    if (verb == http::verb::get) {
      std::size_t offset = 0;
      std::size_t limit = kDefaultInviteListLimit;
      if (auto text = query_parameter(query, "offset")) {
        auto value = parse_size(*text);
        if (!value) co_return error_response(request, 400, "bad_request", "offset must be a whole number.");
        offset = *value;
      }
      if (auto text = query_parameter(query, "limit")) {
        auto value = parse_size(*text);
        if (!value || *value == 0 || *value > kMaxInviteListLimit) {
          co_return error_response(request, 400, "bad_request", "limit must be between 1 and 10000.");
        }
        limit = *value;
      }
      auto outcome = co_await context.invites.list(redis, colony, offset, limit);
      if (auto* error = std::get_if<ApiError>(&outcome)) co_return error_response(request, *error);
      co_return json_response(request, 200, invite_list_json(colony, std::get<InviteList>(outcome)));
    }
    co_return method_not_allowed(request, "GET, POST");
  }
  if (action == "onboard-invite") {
    if (verb != http::verb::post) co_return method_not_allowed(request, "POST");
    auto parsed = protocol::parse_onboard_invite_request(request.body());
    if (auto rejected = reject_bad_body(request, parsed)) co_return *rejected;
    auto ttl_seconds = std::chrono::duration_cast<std::chrono::seconds>(context.config.onboard_session_ttl).count();
    auto outcome = co_await context.invites.onboard_invite(
        redis, colony, std::get<protocol::OnboardInviteRequest>(parsed).session, ttl_seconds);
    if (auto* error = std::get_if<ApiError>(&outcome)) co_return error_response(request, *error);
    co_return json_response(request, 200, protocol::serialize_invite(std::get<protocol::Invite>(outcome)));
  }
  if (action == "watch-token") {
    if (verb != http::verb::post) co_return method_not_allowed(request, "POST");
    auto expires_at = now_ms() + context.config.watch_token_ttl.count();
    std::string body = "{\"token\":";
    protocol::append_json_string(body, context.watch_tokens.issue(colony, expires_at));
    body += ",\"colony\":";
    protocol::append_json_string(body, colony);
    body += ",\"expires_at\":";
    protocol::append_json_int(body, expires_at);
    body += "}";
    co_return json_response(request, 200, std::move(body));
  }
  if (action == "agents") {
    if (verb != http::verb::get) co_return method_not_allowed(request, "GET");
    auto outcome = co_await context.agents.snapshot(redis, colony);
    if (auto* error = std::get_if<ApiError>(&outcome)) co_return error_response(request, *error);
    co_return json_response(request, 200, agents_json(colony, std::get<ColonySnapshot>(outcome)));
  }
  co_return error_response(request, 404, "not_found", "There is no such API path.");
}

asio::awaitable<HttpResponse> api_route(Shard& shard, const HttpRequest& request,
                                        const std::vector<std::string_view>& parts, std::string_view query) {
  auto& context = shard.context();
  auto& redis = shard.redis();
  auto verb = request.method();
  // /v1/session: the admin pages sign in once with the token and get an HttpOnly cookie.
  if (parts.size() >= 2 && parts[1] == "session") {
    if (parts.size() == 2 && verb == http::verb::post) {
      auto parsed = protocol::parse_sign_in_request(request.body());
      if (auto rejected = reject_bad_body(request, parsed)) co_return *rejected;
      const auto& token = std::get<protocol::SignInRequest>(parsed).token;
      if (!constant_time_equal(sha256_hex(token), sha256_hex(context.admin_token))) {
        co_return error_response(request, 401, "unauthorized", "That is not the admin token of this hub.");
      }
      auto ttl = context.config.admin_session_ttl;
      auto expires_at = now_ms() + ttl.count();
      auto response = json_response(request, 200, "{\"signed_in\":true,\"expires_at\":" + std::to_string(expires_at) + "}");
      response.set(http::field::set_cookie,
                   session_cookie(context.admin_sessions.issue("admin", expires_at),
                                  std::chrono::duration_cast<std::chrono::seconds>(ttl).count()));
      co_return response;
    }
    if (parts.size() == 2 && verb == http::verb::get) {
      co_return json_response(request, 200, is_admin(context, request) ? "{\"signed_in\":true}" : "{\"signed_in\":false}");
    }
    if (parts.size() == 3 && parts[2] == "logout" && verb == http::verb::post) {
      auto response = json_response(request, 200, "{\"signed_in\":false}");
      response.set(http::field::set_cookie, session_cookie("", 0));
      co_return response;
    }
    if (parts.size() == 2) co_return method_not_allowed(request, "GET, POST");
    if (parts.size() == 3 && parts[2] == "logout") co_return method_not_allowed(request, "POST");
  }
  // /v1/colonies: the colonies that have invites, for the admin panel.
  if (parts.size() == 2 && parts[1] == "colonies") {
    if (!is_admin(context, request)) {
      co_return error_response(request, 401, "unauthorized", "This call needs the admin token: Authorization: Bearer <token>.");
    }
    if (verb != http::verb::get) co_return method_not_allowed(request, "GET");
    auto result = co_await redis.exec(mi::redis::args("SMEMBERS", context.keys.colonies()));
    if (redis_failed(result)) co_return error_response(request, describe_redis_failure(result));
    std::vector<std::string> colonies;
    for (const auto& element : result.reply.elements) colonies.push_back(element.str);
    std::sort(colonies.begin(), colonies.end());
    std::string body = "{\"colonies\":[";
    for (std::size_t i = 0; i < colonies.size(); ++i) {
      if (i > 0) body += ',';
      protocol::append_json_string(body, colonies[i]);
    }
    body += "]}";
    co_return json_response(request, 200, std::move(body));
  }
  // /v1/colonies/{colony}/{action}
  if (parts.size() == 4 && parts[1] == "colonies") {
    if (!is_admin(context, request)) {
      co_return error_response(request, 401, "unauthorized", "This call needs the admin token: Authorization: Bearer <token>.");
    }
    std::string colony(parts[2]);
    if (!protocol::is_valid_colony_id(colony)) {
      co_return error_response(request, 400, "bad_colony", "A colony id is 1 to 64 characters of A-Z a-z 0-9 _ -.");
    }
    co_return co_await colony_route(shard, request, colony, parts[3], query);
  }
  // /v1/colonies/{colony}/agents/{id}/token: new credentials for an agent (how a provisioner
  // gets a hosted clone's token; spawn requests carry no secret).
  if (parts.size() == 6 && parts[1] == "colonies" && parts[3] == "agents" && parts[5] == "token") {
    if (!is_admin(context, request)) {
      co_return error_response(request, 401, "unauthorized", "This call needs the admin token: Authorization: Bearer <token>.");
    }
    std::string colony(parts[2]);
    std::string agent_id(parts[4]);
    if (!protocol::is_valid_colony_id(colony)) {
      co_return error_response(request, 400, "bad_colony", "A colony id is 1 to 64 characters of A-Z a-z 0-9 _ -.");
    }
    if (verb != http::verb::post) co_return method_not_allowed(request, "POST");
    if (!protocol::is_valid_agent_name(agent_id)) {
      co_return error_response(request, 404, "not_found", "There is no such agent.");
    }
    auto outcome = co_await context.agents.issue_token(redis, colony, agent_id);
    if (auto* error = std::get_if<ApiError>(&outcome)) co_return error_response(request, *error);
    std::string body = "{\"colony\":";
    protocol::append_json_string(body, colony);
    body += ",\"agent\":";
    protocol::append_json_string(body, agent_id);
    body += ",\"token\":";
    protocol::append_json_string(body, std::get<std::string>(outcome));
    body += "}";
    co_return json_response(request, 200, std::move(body));
  }
  // /v1/invites/{code} and /v1/invites/{code}/revoke
  if ((parts.size() == 3 || parts.size() == 4) && parts[1] == "invites") {
    if (parts.size() == 4 && parts[3] != "revoke") {
      co_return error_response(request, 404, "not_found", "There is no such API path.");
    }
    if (!is_admin(context, request)) {
      co_return error_response(request, 401, "unauthorized", "This call needs the admin token: Authorization: Bearer <token>.");
    }
    std::string code(parts[2]);
    if (parts.size() == 3) {
      if (verb != http::verb::get) co_return method_not_allowed(request, "GET");
      auto outcome = co_await context.invites.get(redis, code);
      if (auto* error = std::get_if<ApiError>(&outcome)) co_return error_response(request, *error);
      co_return json_response(request, 200, protocol::serialize_invite(std::get<protocol::Invite>(outcome)));
    }
    if (verb != http::verb::post) co_return method_not_allowed(request, "POST");
    auto outcome = co_await context.invites.revoke(redis, code);
    if (auto* error = std::get_if<ApiError>(&outcome)) co_return error_response(request, *error);
    context.metrics.invites_revoked.fetch_add(1, std::memory_order_relaxed);
    co_return json_response(request, 200, protocol::serialize_invite(std::get<protocol::Invite>(outcome)));
  }
  if (parts.size() == 2 && parts[1] == "ws") {
    co_return error_response(request, 426, "upgrade_required", "/v1/ws is a WebSocket endpoint: open it with an Upgrade.");
  }
  co_return error_response(request, 404, "not_found", "There is no such API path.");
}

// The file under hub/http/web that serves a page path, if any.
std::optional<std::string> page_for(std::string_view path, const std::vector<std::string_view>& parts) {
  if (path == "/admin" || path == "/admin/") return "/admin.html";
  if (path == "/signin") return "/signin.html";
  if (path == "/onboard") return "/onboard.html";
  if (parts.size() == 2 && parts[0] == "colonies" && protocol::is_valid_colony_id(parts[1])) return "/dashboard.html";
  if (parts.size() >= 2 && parts[0] == "assets") return std::string(path);
  return std::nullopt;
}

}  // namespace

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

asio::awaitable<HttpResponse> handle_http_request(Shard& shard, const HttpRequest& request,
                                                  const std::string& remote_address) {
  (void)remote_address;
  auto& context = shard.context();
  context.metrics.http_requests.fetch_add(1, std::memory_order_relaxed);
  std::string_view target(request.target().data(), request.target().size());
  auto question = target.find('?');
  auto path = target.substr(0, question);
  auto query = question == std::string_view::npos ? std::string_view{} : target.substr(question + 1);
  auto parts = split_path(path);
  auto verb = request.method();
  bool read_only = verb == http::verb::get || verb == http::verb::head;

  HttpResponse response;
  if (!parts.empty() && parts[0] == "v1") {
    response = co_await api_route(shard, request, parts, query);
  } else if (path == "/healthz") {
    response = read_only ? json_response(request, 200, "{\"status\":\"ok\"}") : method_not_allowed(request, "GET");
  } else if (path == "/readyz") {
    if (!read_only) {
      response = method_not_allowed(request, "GET");
    } else {
      auto result = co_await shard.redis().exec(mi::redis::args("PING"));
      response = redis_failed(result)
                     ? error_response(request, describe_redis_failure(result))
                     : json_response(request, 200, "{\"status\":\"ready\"}");
    }
  } else if (path == "/metrics") {
    response = read_only ? make_response(request, 200, context.metrics.render(), "text/plain; version=0.0.4")
                         : method_not_allowed(request, "GET");
  } else if (parts.size() == 2 && parts[0] == "r") {
    auto code = protocol::normalize_invite_code(parts[1]);
    if (!read_only) {
      response = method_not_allowed(request, "GET");
    } else if (!code) {
      response = make_response(request, 404, render_not_an_invite_page(), "text/html; charset=utf-8");
    } else {
      response = make_response(request, 200, render_invite_page(*code, context.public_url), "text/html; charset=utf-8");
    }
  } else if (auto page = page_for(path, parts); page && read_only) {
    auto file = find_static_file(*page, context.config.web_dir);
    response = file ? make_response(request, 200, std::move(file->bytes), file->content_type)
                    : error_response(request, 404, "not_found", "There is nothing at this path.");
  } else if (path == "/") {
    response = make_response(request, 302, "", "text/plain");
    response.set(http::field::location, "/admin");
  } else {
    response = error_response(request, 404, "not_found", "There is nothing at this path.");
  }
  if (verb == http::verb::head) {
    auto length = response.body().size();
    response.body().clear();
    response.content_length(length);
  }
  if (response.result_int() >= 400) context.metrics.http_errors.fetch_add(1, std::memory_order_relaxed);
  co_return response;
}

}  // namespace mi::hub
