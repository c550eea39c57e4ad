#include "cli/admin_api.hpp"

#include <simdjson.h>

#include "cli/command_error.hpp"
#include "cli/json_output.hpp"
#include "cli/messages.hpp"

namespace mi::cli {

namespace asio = boost::asio;

namespace {

CommandError unreadable_reply(const HubEndpoint& hub, std::string_view what) {
  return refusal("bad_reply", "The hub at " + hub.text() + " sent " + std::string(what) +
                                  " that mi cannot read. Are mi and mi-hub of matching versions?");
}

// Fills `refusal` from an error body {"error":{"code":..,"message":..}}; leaves it when the body
// is something else (a proxy's page, say).
void read_error_body(const std::string& body, AdminRefusal& refusal_info) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  std::string_view code, message;
  if (parser.parse(body).get(root) != simdjson::SUCCESS) return;
  if (root["error"]["code"].get(code) != simdjson::SUCCESS) return;
  refusal_info.code = std::string(code);
  if (root["error"]["message"].get(message) == simdjson::SUCCESS) refusal_info.message = std::string(message);
}

InviteRecord parse_invite_reply(const HubEndpoint& hub, std::string json) {
  auto invite = protocol::parse_invite(json);
  if (!invite) throw unreadable_reply(hub, "an invite");
  // Printed as one line of --json output, so no line break of the body may remain.
  json.erase(json.find_last_not_of(" \t\r\n") + 1);
  return {*std::move(invite), std::move(json)};
}

}  // namespace

AdminApi::AdminApi(HubEndpoint hub, std::string admin_token) : hub_(std::move(hub)), admin_token_(std::move(admin_token)) {}

asio::awaitable<std::string> AdminApi::call(HttpRequest request, std::string subject) {
  request.bearer_token = admin_token_;
  const std::string target = hub_.url().target(request.path);
  HttpResponse response = co_await send_http_request(hub_, std::move(request));
  if (response.status >= 200 && response.status < 300) co_return std::move(response.body);
  if (response.status == 404) {
    // A 404 from a server where no mi-hub answers: the address is wrong, not the request.
    const bool hub_here = co_await hub_answers_at(hub_);
    if (!hub_here) throw hub_not_found(hub_.text(), target);
  }
  AdminRefusal refusal_info;
  refusal_info.status = response.status;
  refusal_info.hub = hub_.text();
  refusal_info.token_given = !admin_token_.empty();
  refusal_info.subject = std::move(subject);
  read_error_body(response.body, refusal_info);
  throw admin_refusal(refusal_info);
}

asio::awaitable<InviteRecord> AdminApi::create_invite(std::string colony, std::string type,
                                                          std::optional<std::string> name) {
  JsonObject body;
  body.add("type", type);
  if (name) body.add("name", *name);
  HttpRequest request{"POST", "/v1/colonies/" + colony + "/invites", body.text(), {}};
  auto reply = co_await call(std::move(request), "colony " + colony);
  co_return parse_invite_reply(hub_, reply);
}

asio::awaitable<InviteList> AdminApi::list_invites(std::string colony) {
  HttpRequest request{"GET", "/v1/colonies/" + colony + "/invites", {}, {}};
  auto reply = co_await call(std::move(request), "colony " + colony);
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  simdjson::dom::array invites;
  if (parser.parse(reply).get(root) != simdjson::SUCCESS || root["invites"].get(invites) != simdjson::SUCCESS) {
    throw unreadable_reply(hub_, "an invite list");
  }
  InviteList list;
  for (simdjson::dom::element element : invites) {
    list.invites.push_back(parse_invite_reply(hub_, simdjson::minify(element)));
  }
  // "total" is the hub's extension for long lists; without it the list is whole.
  std::uint64_t total = 0;
  list.total = root["total"].get(total) == simdjson::SUCCESS ? total : list.invites.size();
  co_return list;
}

asio::awaitable<InviteRecord> AdminApi::get_invite(std::string code) {
  HttpRequest request{"GET", "/v1/invites/" + code, {}, {}};
  auto reply = co_await call(std::move(request), "invite " + code);
  co_return parse_invite_reply(hub_, reply);
}

asio::awaitable<InviteRecord> AdminApi::revoke_invite(std::string code) {
  HttpRequest request{"POST", "/v1/invites/" + code + "/revoke", {}, {}};
  auto reply = co_await call(std::move(request), "invite " + code);
  co_return parse_invite_reply(hub_, reply);
}

asio::awaitable<std::string> AdminApi::remove_agent(std::string colony, std::string agent_id, bool force) {
  HttpRequest request{"DELETE", "/v1/colonies/" + colony + "/agents/" + agent_id + (force ? "?force=true" : ""), {}, {}};
  co_return co_await call(std::move(request), "agent " + agent_id + " in colony " + colony);
}

asio::awaitable<std::string> AdminApi::agent_history(std::string colony, std::string agent_id) {
  HttpRequest request{"GET", "/v1/colonies/" + colony + "/agents/" + agent_id + "/history", {}, {}};
  co_return co_await call(std::move(request), "agent " + agent_id + " in colony " + colony);
}

asio::awaitable<ColonyAgents> AdminApi::list_agents(std::string colony) {
  ColonyAgents result;
  result.colony = colony;
  std::string cursor;
  // Every page of one listing describes the first page's seq (docs/protocol.md section 8).
  for (bool first_page = true; first_page || !cursor.empty(); first_page = false) {
    HttpRequest request{"GET", "/v1/colonies/" + colony + "/agents" + (cursor.empty() ? "" : "?cursor=" + cursor), {}, {}};
    auto reply = co_await call(std::move(request), "colony " + colony);
    simdjson::dom::parser parser;
    simdjson::dom::element root;
    simdjson::dom::array agents;
    std::uint64_t seq = 0;
    if (parser.parse(reply).get(root) != simdjson::SUCCESS || root["agents"].get(agents) != simdjson::SUCCESS ||
        root["seq"].get(seq) != simdjson::SUCCESS || (!first_page && seq != result.seq)) {
      throw unreadable_reply(hub_, "an agent list");
    }
    result.seq = seq;
    for (simdjson::dom::element element : agents) {
      std::string json = simdjson::minify(element);
      auto agent = protocol::parse_agent(json);
      if (!agent) throw unreadable_reply(hub_, "an agent");
      result.agents.push_back({*std::move(agent), std::move(json)});
    }
    std::string_view next;
    cursor = root["next_cursor"].get(next) == simdjson::SUCCESS ? std::string(next) : std::string();
  }
  co_return result;
}

asio::awaitable<std::string> AdminApi::watch_token(std::string colony) {
  HttpRequest request{"POST", "/v1/colonies/" + colony + "/watch-token", {}, {}};
  auto reply = co_await call(std::move(request), "colony " + colony);
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  std::string_view token;
  if (parser.parse(reply).get(root) != simdjson::SUCCESS || root["token"].get(token) != simdjson::SUCCESS) {
    throw unreadable_reply(hub_, "a watch token");
  }
  co_return std::string(token);
}

}  // namespace mi::cli
