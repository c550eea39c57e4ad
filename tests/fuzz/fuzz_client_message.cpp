// Fuzzes the parsers of what clients send as JSON: protocol::ClientMessageParser::parse (one
// WebSocket text message) and the HTTP API's body parsers (protocol/http_requests.hpp). The
// input is the message or body itself.
//
// Besides the sanitizers, it checks what the parsers promise: every accepted field within its
// limit and shape, strings valid UTF-8, "meta" a minified object that parses back to itself, an
// echoed id that parses back to itself, and the same answer from a parser that has been used
// before (as the hub keeps one per thread) and from a new one.

#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>

#include <simdjson.h>

#include "protocol/client_message.hpp"
#include "protocol/http_requests.hpp"
#include "tests/fuzz/fuzz_support.hpp"

namespace {

namespace protocol = mi::protocol;
using mi::fuzz::is_utf8;

bool is_identifier(std::string_view text, std::size_t max) {
  if (text.empty() || text.size() > max) return false;
  for (char c : text) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

// [a-z0-9][a-z0-9._-]{0,62}
bool is_agent_name(std::string_view name) {
  if (name.empty() || name.size() > 63) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (i > 0 && (c == '.' || c == '_' || c == '-'));
    if (!ok) return false;
  }
  return true;
}

bool has_control_characters(std::string_view text) {
  for (unsigned char c : text) {
    if (c < 0x20 || c == 0x7f) return true;
  }
  return false;
}

// One line that tells two results apart.
std::string describe(const protocol::ParseResult& result) {
  std::string out;
  auto add = [&out](std::string_view part) {
    out.append(std::to_string(part.size())).push_back(':');
    out.append(part);
  };
  auto add_optional = [&](const std::optional<std::string>& part) { part ? add(*part) : add("-"); };
  if (const auto* error = std::get_if<protocol::ParseError>(&result)) {
    add(error->code);
    add(error->message);
    add_optional(error->id_json);
    add(error->type);
    return out;
  }
  const auto& message = std::get<protocol::ClientMessage>(result);
  add_optional(message.id_json);
  add(protocol::request_type_name(message.request));
  std::visit(
      [&](const auto& request) {
        using Request = std::decay_t<decltype(request)>;
        if constexpr (std::is_same_v<Request, protocol::OnboardRequest>) {
          add(request.code);
          add_optional(request.name);
        } else if constexpr (std::is_same_v<Request, protocol::HelloRequest>) {
          add(request.token);
        } else if constexpr (std::is_same_v<Request, protocol::WatchRequest>) {
          add(request.colony);
          add(request.token);
          add(request.since ? std::to_string(*request.since) : "-");
        } else if constexpr (std::is_same_v<Request, protocol::StatusRequest>) {
          add(request.meta_json);
        } else if constexpr (std::is_same_v<Request, protocol::ChatRequest>) {
          add(request.text);
        }
      },
      message.request);
  return out;
}

void check_id(protocol::ClientMessageParser& parser, const protocol::ParseLimits& limits, const std::string& id) {
  MI_FUZZ_CHECK(!id.empty() && id.size() <= limits.max_field_bytes);
  bool is_string = id.front() == '"';
  MI_FUZZ_CHECK(is_string ? id.size() >= 2 && id.back() == '"' : (id.front() == '-' || (id.front() >= '0' && id.front() <= '9')));
  // Echoed as written, so it must read back as the same id.
  auto again = parser.parse(R"({"type":"ping","id":)" + id + "}");
  const auto* message = std::get_if<protocol::ClientMessage>(&again);
  MI_FUZZ_CHECK(message != nullptr && message->id_json == id);
}

void check_meta(protocol::ClientMessageParser& parser, const std::string& meta) {
  MI_FUZZ_CHECK(meta.size() >= 2 && meta.front() == '{' && meta.back() == '}');
  MI_FUZZ_CHECK(is_utf8(meta));
  simdjson::dom::parser dom;
  simdjson::dom::object object;
  auto error = dom.parse(meta).get(object);
  // Numbers are copied as written: simdjson's DOM refuses some that JSON allows (1e400).
  MI_FUZZ_CHECK(error == simdjson::SUCCESS || error == simdjson::NUMBER_ERROR);
  // Minified once is minified: the same meta sent again comes back unchanged.
  auto again = parser.parse(R"({"type":"status","meta":)" + meta + "}");
  const auto* message = std::get_if<protocol::ClientMessage>(&again);
  MI_FUZZ_CHECK(message != nullptr);
  const auto* status = std::get_if<protocol::StatusRequest>(&message->request);
  MI_FUZZ_CHECK(status != nullptr && status->meta_json == meta);
}

void check_result(const protocol::ParseResult& result, const protocol::ParseLimits& limits,
                  protocol::ClientMessageParser& parser) {
  if (const auto* error = std::get_if<protocol::ParseError>(&result)) {
    MI_FUZZ_CHECK(error->code == "bad_json" || error->code == "bad_request");
    MI_FUZZ_CHECK(!error->message.empty() && is_utf8(error->message));
    MI_FUZZ_CHECK(error->code == "bad_request" || error->type.empty());
    if (error->id_json) check_id(parser, limits, *error->id_json);
    return;
  }
  const auto& message = std::get<protocol::ClientMessage>(result);
  if (message.id_json) check_id(parser, limits, *message.id_json);
  std::visit(
      [&](const auto& request) {
        using Request = std::decay_t<decltype(request)>;
        if constexpr (std::is_same_v<Request, protocol::OnboardRequest>) {
          MI_FUZZ_CHECK(request.code.size() <= limits.max_field_bytes && is_utf8(request.code));
          MI_FUZZ_CHECK(request.code.find_first_of("abcdefghijklmnopqrstuvwxyz") == std::string::npos);
          MI_FUZZ_CHECK(!request.name || is_agent_name(*request.name));
        } else if constexpr (std::is_same_v<Request, protocol::HelloRequest>) {
          MI_FUZZ_CHECK(request.token.size() <= limits.max_field_bytes && is_utf8(request.token));
        } else if constexpr (std::is_same_v<Request, protocol::WatchRequest>) {
          MI_FUZZ_CHECK(is_identifier(request.colony, 64));
          MI_FUZZ_CHECK(request.token.size() <= limits.max_field_bytes && is_utf8(request.token));
        } else if constexpr (std::is_same_v<Request, protocol::StatusRequest>) {
          MI_FUZZ_CHECK(request.meta_json.size() <= limits.max_meta_bytes);
          check_meta(parser, request.meta_json);
        } else if constexpr (std::is_same_v<Request, protocol::ChatRequest>) {
          MI_FUZZ_CHECK(!request.text.empty() && request.text.size() <= limits.max_chat_bytes);
          MI_FUZZ_CHECK(is_utf8(request.text));
        }
      },
      message.request);
}

void check_body_error(const protocol::ParseError& error) {
  MI_FUZZ_CHECK(error.code == "bad_json" || error.code == "bad_request");
  MI_FUZZ_CHECK(!error.message.empty());
}

void check_http_bodies(std::string_view body) {
  auto invite = protocol::parse_create_invite_request(body);
  if (const auto* request = std::get_if<protocol::CreateInviteRequest>(&invite)) {
    MI_FUZZ_CHECK(request->type == "agent" || request->type == "human");
    if (request->name) {
      MI_FUZZ_CHECK(!request->name->empty() && request->name->size() <= 200);
      MI_FUZZ_CHECK(!has_control_characters(*request->name) && is_utf8(*request->name));
    }
  } else {
    check_body_error(std::get<protocol::ParseError>(invite));
  }

  auto onboard = protocol::parse_onboard_invite_request(body);
  if (const auto* request = std::get_if<protocol::OnboardInviteRequest>(&onboard)) {
    MI_FUZZ_CHECK(!request->session.empty() && request->session.size() <= 256);
    MI_FUZZ_CHECK(!has_control_characters(request->session) && is_utf8(request->session));
    if (request->name) {
      MI_FUZZ_CHECK(!request->name->empty() && request->name->size() <= 200);
      MI_FUZZ_CHECK(!has_control_characters(*request->name) && is_utf8(*request->name));
    }
  } else {
    check_body_error(std::get<protocol::ParseError>(onboard));
  }

  auto sign_in = protocol::parse_sign_in_request(body);
  if (const auto* request = std::get_if<protocol::SignInRequest>(&sign_in)) {
    MI_FUZZ_CHECK(!request->token.empty() && request->token.size() <= 512 && is_utf8(request->token));
  } else {
    check_body_error(std::get<protocol::ParseError>(sign_in));
  }
}

// Limits small enough that short inputs reach them.
constexpr protocol::ParseLimits kSmallLimits{16, 32, 8};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);

  // New for this input: its buffers are sized to it, so that AddressSanitizer sees their ends.
  protocol::ClientMessageParser new_parser;
  auto result = new_parser.parse(input);
  check_result(result, protocol::ParseLimits{}, new_parser);

  // The hub keeps one parser per thread, whose buffers still hold the bytes of longer frames
  // read before. Such a parser, having read the input followed by itself reversed, must answer
  // the input as a new one does.
  protocol::ClientMessageParser used_parser;
  used_parser.parse(std::string(input) + std::string(input.rbegin(), input.rend()));
  auto again = describe(used_parser.parse(input));
  if (again != describe(result)) {
    std::fprintf(stderr, "a new parser says:  %s\na used parser says: %s\n", describe(result).c_str(), again.c_str());
    MI_FUZZ_CHECK(again == describe(result));
  }

  protocol::ClientMessageParser small_parser(kSmallLimits);
  check_result(small_parser.parse(input), kSmallLimits, small_parser);

  check_http_bodies(input);
  return 0;
}
