#include "cli/agent_actions.hpp"

#include <simdjson.h>

#include "cli/agent_link.hpp"
#include "cli/command_error.hpp"
#include "cli/control_socket.hpp"
#include "cli/http.hpp"
#include "cli/json_output.hpp"
#include "cli/json_read.hpp"
#include "cli/messages.hpp"
#include "protocol/server_message_parser.hpp"

namespace mi::cli {

namespace asio = boost::asio;

namespace {

CommandError unreadable(const HubEndpoint& hub, const std::string& what) {
  return refusal("bad_reply", "The hub at " + hub.text() + " sent " + what +
                                  " that mi cannot read. Are mi and mi-hub of matching versions?");
}

}  // namespace

AgentActions::AgentActions(HubEndpoint hub, Credentials credentials, std::filesystem::path credentials_file)
    : hub_(std::move(hub)), credentials_(std::move(credentials)), credentials_file_(std::move(credentials_file)) {}

CommandError AgentActions::refused(const std::string& code, const std::string& message) const {
  AgentRefusal refusal_info;
  refusal_info.code = code;
  refusal_info.message = message;
  refusal_info.hub = hub_.text();
  refusal_info.agent = agent_label(credentials_);
  refusal_info.credentials_file = credentials_file_.string();
  return agent_refusal(refusal_info);
}

asio::awaitable<std::optional<std::string>> AgentActions::through_daemon(std::string request) {
  const auto socket = control_socket_path(credentials_file_);
  const std::string hub = hub_.text();
  auto reply = co_await ask_daemon(socket, hub, request);
  relayed_ = reply && reply->relayed;
  if (!relayed_) co_return std::nullopt;
  if (!reply->lost.empty()) {
    throw refusal("daemon_lost", "The heartbeat daemon of " + agent_label(credentials_) + " sent the request, but " +
                                     reply->lost + ", so whether the hub did it is unknown. Check the colony with "
                                     "mi status before trying again.");
  }
  co_return reply->reply;
}

asio::awaitable<std::string> AgentActions::post(std::string path, std::string body) {
  const std::string target = hub_.url().target(path);
  HttpRequest request{"POST", std::move(path), std::move(body), credentials_.token};
  HttpResponse response = co_await send_http_request(hub_, std::move(request));
  if (response.status >= 200 && response.status < 300) co_return std::move(response.body);
  if (response.status == 404) {
    // A 404 from a server where no mi-hub answers: the address is wrong, not the request.
    const bool hub_here = co_await hub_answers_at(hub_);
    if (!hub_here) throw hub_not_found(hub_.text(), target);
  }
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  std::string_view code, message;
  if (parser.parse(response.body).get(root) != simdjson::SUCCESS ||
      root["error"]["code"].get(code) != simdjson::SUCCESS) {
    throw refusal("bad_reply", "The server at " + hub_.text() + " answered HTTP " + std::to_string(response.status) +
                                   " with no reply that mi understands. Is --hub pointing at mi-hub?");
  }
  if (root["error"]["message"].get(message) != simdjson::SUCCESS) message = {};
  throw refused(std::string(code), std::string(message));
}

asio::awaitable<void> AgentActions::chat(std::string text) {
  // Requests are named before they are awaited on: GCC 12 destroys a temporary in a co_await twice.
  std::string request = JsonObject().add("type", "chat").add("text", text).text();
  std::string body = JsonObject().add("text", text).text();
  if (auto answer = co_await through_daemon(std::move(request))) {
    auto message = protocol::parse_server_message(*answer);
    if (!message) throw unreadable(hub_, "an answer");
    if (message->type != "pong") throw refused(message->code, message->message);
    co_return;
  }
  std::string path = "/v1/agents/chat";
  co_await post(std::move(path), std::move(body));
}

asio::awaitable<void> AgentActions::publish_status(std::string meta_json) {
  std::string request = JsonObject().add("type", "status").add_raw("meta", meta_json).text();
  std::string body = JsonObject().add_raw("meta", meta_json).text();
  if (auto answer = co_await through_daemon(std::move(request))) {
    auto message = protocol::parse_server_message(*answer);
    if (!message) throw unreadable(hub_, "an answer");
    if (message->type != "pong") throw refused(message->code, message->message);
    co_return;
  }
  std::string path = "/v1/agents/status";
  co_await post(std::move(path), std::move(body));
}

asio::awaitable<void> AgentActions::http_heartbeat(std::optional<std::string> meta_json) {
  std::string body = meta_json ? JsonObject().add_raw("meta", *meta_json).text() : std::string();
  std::string path = "/v1/agents/heartbeat";
  try {
    co_await post(std::move(path), std::move(body));
  } catch (const CommandError& error) {
    // A mi-hub that answers, but has no such call: it predates HTTP heartbeats.
    if (error.code() != "not_found") throw;
    throw refusal("not_supported", "The hub at " + hub_.text() + " does not take HTTP heartbeats (POST "
                                   "/v1/agents/heartbeat): it is older than this mi. Keep " + agent_label(credentials_) +
                                   " Online with a connection instead: mi agent heartbeat-daemon");
  }
}

asio::awaitable<ClonedAgent> AgentActions::clone() {
  std::string body;
  std::string request = R"({"type":"clone"})";
  if (auto answer = co_await through_daemon(std::move(request))) {
    auto message = protocol::parse_server_message(*answer);
    if (!message) throw unreadable(hub_, "an answer");
    if (message->type != "cloned") throw refused(message->code, message->message);
    body = *answer;
  } else {
    std::string path = "/v1/agents/clone";
    std::string no_body;
    body = co_await post(std::move(path), std::move(no_body));
  }
  // The cloned message and the HTTP answer have the same two fields.
  auto agent_json = raw_member(body, "agent");
  auto token = raw_member(body, "token");
  std::optional<protocol::Agent> agent;
  if (agent_json) agent = protocol::parse_agent(*agent_json);
  simdjson::dom::parser parser;
  std::string_view token_text;
  if (!agent || !token || parser.parse(*token).get(token_text) != simdjson::SUCCESS) {
    throw refusal("bad_reply", "The hub at " + hub_.text() + " made a clone without its credentials. Are mi and "
                               "mi-hub of matching versions?");
  }
  co_return ClonedAgent{{*std::move(agent), *std::move(agent_json)}, std::string(token_text)};
}

}  // namespace mi::cli
