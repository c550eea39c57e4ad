#pragma once
// Bodies of the HTTP API's requests (docs/protocol.md section 2), parsed without I/O.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "protocol/client_message.hpp"

namespace mi::protocol {

// POST /v1/colonies/{colony}/invites: {"type":"agent"|"human","name":"..."}, both optional; an
// empty body means an unnamed agent invite.
struct CreateInviteRequest {
  std::string type = "agent";
  std::optional<std::string> name;  // at most 200 bytes, no control characters
};

// POST /v1/colonies/{colony}/onboard-invite: {"session":"<opaque id>","name":"..."}, name optional
struct OnboardInviteRequest {
  std::string session;              // 1 to 256 bytes, no control characters
  std::optional<std::string> name;  // for a new invite: as CreateInviteRequest's name
};

// Errors use ParseError: code "bad_json" or "bad_request" with a sentence for the user.
std::variant<CreateInviteRequest, ParseError> parse_create_invite_request(std::string_view body);
std::variant<OnboardInviteRequest, ParseError> parse_onboard_invite_request(std::string_view body);

}  // namespace mi::protocol

namespace mi::protocol {

// POST /v1/session: {"token":"<admin token>"}, exchanged for the admin panel's session cookie.
struct SignInRequest {
  std::string token;
};

std::variant<SignInRequest, ParseError> parse_sign_in_request(std::string_view body);

}  // namespace mi::protocol

namespace mi::protocol {

// POST /v1/agents/chat: {"text":"..."}, as the WebSocket `chat`: non-empty, at most
// ParseLimits::max_chat_bytes of UTF-8.
struct AgentChatRequest {
  std::string text;
};

// POST /v1/agents/status: {"meta":{...}}, as the WebSocket `status`: an object of at most
// ParseLimits::max_meta_bytes once minified.
struct AgentStatusRequest {
  std::string meta_json;  // minified
};

std::variant<AgentChatRequest, ParseError> parse_agent_chat_request(std::string_view body,
                                                                    const ParseLimits& limits = {});
std::variant<AgentStatusRequest, ParseError> parse_agent_status_request(std::string_view body,
                                                                        const ParseLimits& limits = {});

// POST /v1/agents/heartbeat: no body, {}, or {"meta":{...}} as the WebSocket `status`.
struct AgentBeatRequest {
  std::optional<std::string> meta_json;  // minified; absent: the beat changes no meta
};

// POST /v1/colonies/{colony}/agents/{id}/health: {"healthy":true|false,"ttl":seconds}. The TTL
// (how long a healthy report holds) is required when healthy, a number of seconds in
// [1, 86400], fractions allowed.
struct HealthReportRequest {
  bool healthy = false;
  std::int64_t ttl_ms = 0;
};

std::variant<AgentBeatRequest, ParseError> parse_agent_beat_request(std::string_view body,
                                                                    const ParseLimits& limits = {});
std::variant<HealthReportRequest, ParseError> parse_health_report_request(std::string_view body);

}  // namespace mi::protocol
