#include "protocol/http_requests.hpp"

#include <simdjson.h>

#include "protocol/validation.hpp"

namespace mi::protocol {

namespace {

constexpr std::size_t kMaxInviteNameBytes = 200;
constexpr std::size_t kMaxSessionBytes = 256;

ParseError bad_json(std::string message) { return {"bad_json", std::move(message), std::nullopt, {}}; }
ParseError bad_request(std::string message) { return {"bad_request", std::move(message), std::nullopt, {}}; }

bool is_blank(std::string_view body) {
  return body.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

bool has_control_characters(std::string_view text) {
  for (unsigned char c : text) {
    if (c < 0x20 || c == 0x7f) return true;
  }
  return false;
}

// The page's session id is opaque (a UUID, a random token in any alphabet): only its length is
// bounded, and control characters, which no id needs, are refused.
bool is_valid_session_id(std::string_view session) {
  return !session.empty() && session.size() <= kMaxSessionBytes && !has_control_characters(session);
}

// Calls `on_field(key, value)` for each field of the top-level object. Returns an error when the
// body is not one JSON object or a callback says so. The DOM parser validates the whole body
// (trailing content included); admin bodies are small and rare, so its allocation is no concern.
template <class OnField>
std::optional<ParseError> for_each_field(std::string_view body, OnField on_field) {
  if (!is_valid_utf8(body)) return bad_json("The body is not valid UTF-8.");
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(body.data(), body.size()).get(root) != simdjson::SUCCESS) return bad_json("The body is not JSON.");
  simdjson::dom::object object;
  if (root.get_object().get(object) != simdjson::SUCCESS) return bad_json("The body must be a JSON object.");
  for (auto [key, value] : object) {
    if (auto error = on_field(key, value)) return error;
  }
  return std::nullopt;
}

}  // namespace

namespace {

// An invite's "name": a string of at most 200 bytes without control characters; null or "" for none.
std::optional<ParseError> read_invite_name(simdjson::dom::element value, std::optional<std::string>& name) {
  if (value.is_null()) {
    name.reset();
    return std::nullopt;
  }
  std::string_view text;
  if (value.get_string().get(text) != simdjson::SUCCESS) return bad_request("\"name\" must be a string.");
  if (text.size() > kMaxInviteNameBytes) return bad_request("\"name\" is longer than 200 bytes.");
  if (has_control_characters(text)) return bad_request("\"name\" must not contain control characters.");
  if (text.empty()) {
    name.reset();
  } else {
    name = std::string(text);
  }
  return std::nullopt;
}

}  // namespace

std::variant<CreateInviteRequest, ParseError> parse_create_invite_request(std::string_view body) {
  CreateInviteRequest request;
  if (is_blank(body)) return request;
  auto error = for_each_field(body, [&](std::string_view key, simdjson::dom::element value)
                                        -> std::optional<ParseError> {
    if (key == "type") {
      std::string_view type;
      if (value.get_string().get(type) != simdjson::SUCCESS || (type != "agent" && type != "human")) {
        return bad_request("\"type\" must be \"agent\" or \"human\".");
      }
      request.type = std::string(type);
    } else if (key == "name") {
      return read_invite_name(value, request.name);
    }
    return std::nullopt;
  });
  if (error) return *error;
  return request;
}

namespace {

// A body whose one required field is a string: `accept` checks its value, the messages say what
// was wrong. Other fields are ignored.
template <class Accept>
std::variant<std::string, ParseError> read_required_string(std::string_view body, std::string_view name,
                                                           Accept accept, std::string_view bad_value_message,
                                                           std::string_view missing_message) {
  std::optional<std::string> found;
  if (!is_blank(body)) {
    auto error = for_each_field(body, [&](std::string_view key, simdjson::dom::element value)
                                          -> std::optional<ParseError> {
      if (key != name) return std::nullopt;
      std::string_view text;
      if (value.get_string().get(text) != simdjson::SUCCESS || !accept(text)) {
        return bad_request(std::string(bad_value_message));
      }
      found = std::string(text);
      return std::nullopt;
    });
    if (error) return *error;
  }
  if (!found) return bad_request(std::string(missing_message));
  return std::move(*found);
}

}  // namespace

std::variant<OnboardInviteRequest, ParseError> parse_onboard_invite_request(std::string_view body) {
  auto session = read_required_string(body, "session", is_valid_session_id,
                                      "\"session\" must be 1 to 256 bytes without control characters",
                                      "The body needs {\"session\": \"<id>\"}: the onboarding page's session id.");
  if (auto* error = std::get_if<ParseError>(&session)) return *error;
  OnboardInviteRequest request{std::move(std::get<std::string>(session)), std::nullopt};
  // The session parsed, so the body is a JSON object: read the optional name from it.
  auto error = for_each_field(body, [&](std::string_view key, simdjson::dom::element value)
                                        -> std::optional<ParseError> {
    if (key == "name") return read_invite_name(value, request.name);
    return std::nullopt;
  });
  if (error) return *error;
  return request;
}

std::variant<SignInRequest, ParseError> parse_sign_in_request(std::string_view body) {
  auto token = read_required_string(
      body, "token", [](std::string_view text) { return !text.empty() && text.size() <= 512; },
      "\"token\" must be the admin token, a non-empty string.", "The body needs {\"token\": \"<admin token>\"}.");
  if (auto* error = std::get_if<ParseError>(&token)) return *error;
  return SignInRequest{std::move(std::get<std::string>(token))};
}

std::variant<AgentChatRequest, ParseError> parse_agent_chat_request(std::string_view body, const ParseLimits& limits) {
  auto text = read_required_string(
      body, "text", [&](std::string_view value) { return !value.empty() && value.size() <= limits.max_chat_bytes; },
      "chat \"text\" must be a non-empty string of at most " + std::to_string(limits.max_chat_bytes) + " bytes.",
      "The body needs {\"text\": \"<message>\"}.");
  if (auto* error = std::get_if<ParseError>(&text)) return *error;
  return AgentChatRequest{std::move(std::get<std::string>(text))};
}

std::variant<AgentStatusRequest, ParseError> parse_agent_status_request(std::string_view body,
                                                                        const ParseLimits& limits) {
  std::optional<std::string> meta;
  if (!is_blank(body)) {
    auto error = for_each_field(body, [&](std::string_view key, simdjson::dom::element value)
                                          -> std::optional<ParseError> {
      if (key != "meta") return std::nullopt;
      if (!value.is_object()) return bad_request("\"meta\" must be a JSON object.");
      meta = simdjson::minify(value);
      if (meta->size() > limits.max_meta_bytes) {
        return bad_request("\"meta\" is longer than " + std::to_string(limits.max_meta_bytes) + " bytes once minified.");
      }
      return std::nullopt;
    });
    if (error) return *error;
  }
  if (!meta) return bad_request("The body needs {\"meta\": {...}}: a JSON object.");
  return AgentStatusRequest{std::move(*meta)};
}

std::variant<AgentBeatRequest, ParseError> parse_agent_beat_request(std::string_view body,
                                                                    const ParseLimits& limits) {
  if (is_blank(body)) return AgentBeatRequest{};
  AgentBeatRequest beat;
  auto error = for_each_field(body, [&](std::string_view key, simdjson::dom::element value)
                                        -> std::optional<ParseError> {
    if (key != "meta") return std::nullopt;
    if (!value.is_object()) return bad_request("\"meta\" must be a JSON object.");
    beat.meta_json = simdjson::minify(value);
    if (beat.meta_json->size() > limits.max_meta_bytes) {
      return bad_request("\"meta\" is longer than " + std::to_string(limits.max_meta_bytes) + " bytes once minified.");
    }
    return std::nullopt;
  });
  if (error) return *error;
  return beat;
}

std::variant<HealthReportRequest, ParseError> parse_health_report_request(std::string_view body) {
  std::optional<bool> healthy;
  std::optional<double> ttl_seconds;
  auto error = for_each_field(body, [&](std::string_view key, simdjson::dom::element value)
                                        -> std::optional<ParseError> {
    if (key == "healthy") {
      if (!value.is_bool()) return bad_request("\"healthy\" must be true or false.");
      healthy = bool(value.get_bool());
    } else if (key == "ttl") {
      if (!value.is_number()) return bad_request("\"ttl\" must be a number of seconds.");
      double seconds = 0;
      if (value.is_double()) {
        seconds = double(value.get_double());
      } else if (value.is_int64()) {
        seconds = static_cast<double>(std::int64_t(value.get_int64()));
      } else {
        return bad_request("\"ttl\" must be a number of seconds from 1 to 86400.");
      }
      ttl_seconds = seconds;
    }
    return std::nullopt;
  });
  if (error) return *error;
  if (!healthy) return bad_request("The body needs {\"healthy\": true|false, \"ttl\": seconds}.");
  HealthReportRequest report{*healthy, 0};
  if (*healthy) {
    if (!ttl_seconds || !(*ttl_seconds >= 1 && *ttl_seconds <= 86'400)) {
      return bad_request("A healthy report needs \"ttl\": how long it holds, in seconds from 1 to 86400.");
    }
    report.ttl_ms = static_cast<std::int64_t>(*ttl_seconds * 1000.0);
  }
  return report;
}

}  // namespace mi::protocol
