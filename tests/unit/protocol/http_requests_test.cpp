#include <catch2/catch.hpp>

#include "protocol/http_requests.hpp"

using namespace mi::protocol;

namespace {
template <class T>
std::string error_code(const std::variant<T, ParseError>& parsed) {
  auto* error = std::get_if<ParseError>(&parsed);
  return error ? error->code : "";
}
}  // namespace

TEST_CASE("create-invite bodies: both fields optional, an empty body is an unnamed agent invite", "[http_requests]") {
  auto empty = parse_create_invite_request("");
  REQUIRE(std::holds_alternative<CreateInviteRequest>(empty));
  CHECK(std::get<CreateInviteRequest>(empty).type == "agent");
  CHECK(!std::get<CreateInviteRequest>(empty).name);
  auto full = parse_create_invite_request(R"({"type":"human","name":"for \"ann\"","extra":[1]})");
  REQUIRE(std::holds_alternative<CreateInviteRequest>(full));
  CHECK(std::get<CreateInviteRequest>(full).type == "human");
  CHECK(std::get<CreateInviteRequest>(full).name == std::optional<std::string>("for \"ann\""));
  CHECK(!std::get<CreateInviteRequest>(parse_create_invite_request(R"({"name":null})")).name);
  CHECK(error_code(parse_create_invite_request(R"({"type":"robot"})")) == "bad_request");
  CHECK(error_code(parse_create_invite_request(R"({"name":"a\nb"})")) == "bad_request");
  CHECK(error_code(parse_create_invite_request("{\"name\":\"" + std::string(201, 'x') + "\"}")) == "bad_request");
  CHECK(error_code(parse_create_invite_request("{} {}")) == "bad_json");
  CHECK(error_code(parse_create_invite_request("[]")) == "bad_json");
  CHECK(error_code(parse_create_invite_request("{\"name\":\"\xc3\"}")) == "bad_json");
}

TEST_CASE("onboard-invite and sign-in bodies need their one string field", "[http_requests]") {
  auto session = parse_onboard_invite_request(R"({"session":"browser-1:a.b_c"})");
  REQUIRE(std::holds_alternative<OnboardInviteRequest>(session));
  CHECK(std::get<OnboardInviteRequest>(session).session == "browser-1:a.b_c");
  CHECK_FALSE(std::get<OnboardInviteRequest>(session).name);
  auto named = parse_onboard_invite_request(R"({"name":"onboarding page, 08:30","session":"s"})");
  REQUIRE(std::holds_alternative<OnboardInviteRequest>(named));
  CHECK(std::get<OnboardInviteRequest>(named).name == std::optional<std::string>("onboarding page, 08:30"));
  CHECK(error_code(parse_onboard_invite_request(R"({"session":"s","name":false})")) == "bad_request");
  CHECK(error_code(parse_onboard_invite_request("")) == "bad_request");
  CHECK(error_code(parse_onboard_invite_request(R"({"session":""})")) == "bad_request");
  for (const char* opaque : {"has space", "a+b==", "abc/def", "{tag}"}) {
    auto parsed = parse_onboard_invite_request(std::string(R"({"session":")") + opaque + "\"}");
    REQUIRE(std::holds_alternative<OnboardInviteRequest>(parsed));
    CHECK(std::get<OnboardInviteRequest>(parsed).session == opaque);
  }
  CHECK(error_code(parse_onboard_invite_request(R"({"session":"line\nbreak"})")) == "bad_request");
  CHECK(error_code(parse_onboard_invite_request(R"({"session":7})")) == "bad_request");
  CHECK(error_code(parse_onboard_invite_request("{\"session\":\"" + std::string(257, 'a') + "\"}")) == "bad_request");
  auto sign_in = parse_sign_in_request(R"({"token":"secret"})");
  REQUIRE(std::holds_alternative<SignInRequest>(sign_in));
  CHECK(std::get<SignInRequest>(sign_in).token == "secret");
  CHECK(error_code(parse_sign_in_request("{}")) == "bad_request");
  CHECK(error_code(parse_sign_in_request(R"({"token":""})")) == "bad_request");
  CHECK(error_code(parse_sign_in_request("{")) == "bad_json");
}
