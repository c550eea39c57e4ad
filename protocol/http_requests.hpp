#pragma once
// Bodies of the HTTP API's requests (docs/protocol.md section 2), parsed without I/O.

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
