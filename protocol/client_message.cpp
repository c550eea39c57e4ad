#include "protocol/client_message.hpp"

#include <simdjson.h>

#include "protocol/json_reader.hpp"
#include "protocol/validation.hpp"

namespace mi::protocol {
namespace {

namespace ondemand = simdjson::ondemand;

constexpr std::string_view kKnownTypes =
    "onboard, hello, watch, heartbeat, ping, status, clone, chat";

// The frame is read in one pass, before its type is known (the type may come last), so each
// known field remembers what it held and the checks happen once the whole frame is read.
enum class Presence { absent, null, expected_type, other_type };

struct StringField {
  Presence presence = Presence::absent;
  std::string_view text;  // in the parser's string buffer, valid until the next parse
};

struct UnsignedField {
  Presence presence = Presence::absent;  // other_type also for a number that is not a uint64
  std::uint64_t number = 0;
};

struct ObjectField {
  Presence presence = Presence::absent;
  std::string minified;
};

struct IdField {
  Presence presence = Presence::absent;
  std::string_view raw;  // in the padded input
};

// Every field a request type reads. A key that appears twice keeps its last value, as
// JavaScript's JSON.parse does.
struct Fields {
  IdField id;
  StringField type;
  StringField code;
  StringField name;
  StringField token;
  StringField colony;
  StringField text;
  StringField epoch;
  UnsignedField since;
  ObjectField meta;

  std::optional<std::string> readable_id() const {
    if (id.presence != Presence::expected_type) {
      return std::nullopt;
    }
    return std::string(id.raw);
  }
};

// For a value of an unexpected type: records whether it was null and checks it is valid JSON.
simdjson::error_code note_other_type(ondemand::value& value, ondemand::json_type type,
                                     Presence& presence) {
  presence = type == ondemand::json_type::null ? Presence::null : Presence::other_type;
  return detail::validate_json(value);
}

simdjson::error_code read_string_field(ondemand::value& value, StringField& field) {
  ondemand::json_type type;
  if (auto error = value.type().get(type)) {
    return error;
  }
  if (type != ondemand::json_type::string) {
    return note_other_type(value, type, field.presence);
  }
  field.presence = Presence::expected_type;
  return value.get_string().get(field.text);
}

simdjson::error_code read_unsigned_field(ondemand::value& value, UnsignedField& field) {
  ondemand::json_type type;
  if (auto error = value.type().get(type)) {
    return error;
  }
  if (type != ondemand::json_type::number) {
    return note_other_type(value, type, field.presence);
  }
  const std::string_view token = detail::token_text(value);
  if (!detail::is_json_number(token)) {
    return simdjson::NUMBER_ERROR;
  }
  const auto number = detail::integer_from_token<std::uint64_t>(token);
  field.presence = number ? Presence::expected_type : Presence::other_type;
  field.number = number.value_or(0);
  return simdjson::SUCCESS;
}

simdjson::error_code read_object_field(ondemand::value& value, ObjectField& field) {
  ondemand::json_type type;
  if (auto error = value.type().get(type)) {
    return error;
  }
  if (type != ondemand::json_type::object) {
    return note_other_type(value, type, field.presence);
  }
  field.presence = Presence::expected_type;
  field.minified.clear();
  return detail::copy_json(value, &field.minified);
}

simdjson::error_code read_id_field(ondemand::value& value, IdField& field) {
  std::optional<std::string_view> raw;
  if (auto error = detail::read_raw_id(value, raw)) {
    return error;
  }
  field.presence = raw ? Presence::expected_type : Presence::other_type;
  field.raw = raw.value_or(std::string_view{});
  return simdjson::SUCCESS;
}

simdjson::error_code read_field(std::string_view key, ondemand::value& value, Fields& fields) {
  if (key == "type") return read_string_field(value, fields.type);
  if (key == "id") return read_id_field(value, fields.id);
  if (key == "code") return read_string_field(value, fields.code);
  if (key == "name") return read_string_field(value, fields.name);
  if (key == "token") return read_string_field(value, fields.token);
  if (key == "colony") return read_string_field(value, fields.colony);
  if (key == "text") return read_string_field(value, fields.text);
  if (key == "since") return read_unsigned_field(value, fields.since);
  if (key == "epoch") return read_string_field(value, fields.epoch);
  if (key == "meta") return read_object_field(value, fields.meta);
  // Unknown fields are allowed (newer clients), but must still be valid JSON.
  return detail::validate_json(value);
}

simdjson::error_code read_fields(ondemand::object& object, Fields& fields) {
  for (auto field : object) {
    std::string_view key;
    ondemand::value value;
    if (auto error = field.unescaped_key().get(key)) {
      return error;
    }
    if (auto error = field.value().get(value)) {
      return error;
    }
    if (auto error = read_field(key, value, fields)) {
      return error;
    }
  }
  return simdjson::SUCCESS;
}

ParseError bad_json(std::string message, std::optional<std::string> id_json = std::nullopt) {
  return ParseError{"bad_json", std::move(message), std::move(id_json), {}};
}

ParseError bad_json(simdjson::error_code error, std::optional<std::string> id_json = std::nullopt) {
  if (error == simdjson::DEPTH_ERROR) {
    return bad_json("the frame nests arrays or objects more than " +
                        std::to_string(detail::kMaxNesting) + " levels deep",
                    std::move(id_json));
  }
  return bad_json(std::string("the frame is not valid JSON: ") + simdjson::error_message(error),
                  std::move(id_json));
}

std::string quoted(std::string_view name) {
  std::string out;
  out.reserve(name.size() + 2);
  out.push_back('"');
  out.append(name);
  out.push_back('"');
  return out;
}

std::string upper_case_ascii(std::string_view text) {
  std::string upper(text);
  for (char& c : upper) {
    if (c >= 'a' && c <= 'z') {
      c = static_cast<char>(c - 'a' + 'A');
    }
  }
  return upper;
}

// Turns the fields of a frame that is valid JSON into a request, or says what is wrong with it.
class RequestBuilder {
 public:
  RequestBuilder(const Fields& fields, const ParseLimits& limits)
      : fields_(fields), limits_(limits), id_json_(fields.readable_id()) {}

  ParseResult build() const {
    if (fields_.id.presence == Presence::null || fields_.id.presence == Presence::other_type) {
      return bad_request("\"id\" must be a string or a number", std::nullopt);
    }
    // An id is echoed in every reply, so it is held to the same bound as the other short fields.
    if (id_json_ && id_json_->size() > limits_.max_field_bytes) {
      return bad_request(too_long("id", limits_.max_field_bytes), std::nullopt);
    }
    if (fields_.type.presence != Presence::expected_type) {
      return fail(std::string("a message needs a string \"type\", one of: ").append(kKnownTypes));
    }
    const std::string_view type = fields_.type.text;
    if (type == "onboard") return onboard();
    if (type == "hello") return hello();
    if (type == "watch") return watch();
    if (type == "heartbeat") return succeed(HeartbeatRequest{});
    if (type == "ping") return succeed(PingRequest{});
    if (type == "status") return status();
    if (type == "clone") return succeed(CloneRequest{});
    if (type == "chat") return chat();
    std::string message = "unknown type ";
    if (type.size() <= limits_.max_field_bytes) {
      message.append(quoted(type)).push_back(' ');
    }
    return fail(message.append("(the types are: ").append(kKnownTypes).append(")"));
  }

 private:
  ParseResult onboard() const {
    if (auto problem = required_string("onboard", "code", fields_.code, limits_.max_field_bytes)) {
      return fail(*std::move(problem));
    }
    if (auto problem = optional_string("onboard", "name", fields_.name, limits_.max_field_bytes)) {
      return fail(*std::move(problem));
    }
    OnboardRequest request{upper_case_ascii(fields_.code.text), std::nullopt};
    if (fields_.name.presence == Presence::expected_type) {
      if (!is_valid_agent_name(fields_.name.text)) {
        return fail("name must match [a-z0-9][a-z0-9._-]{0,62}");
      }
      request.name = std::string(fields_.name.text);
    }
    return succeed(std::move(request));
  }

  ParseResult hello() const {
    if (auto problem = required_string("hello", "token", fields_.token, limits_.max_field_bytes)) {
      return fail(*std::move(problem));
    }
    return succeed(HelloRequest{std::string(fields_.token.text)});
  }

  ParseResult watch() const {
    if (auto problem = required_string("watch", "colony", fields_.colony, limits_.max_field_bytes)) {
      return fail(*std::move(problem));
    }
    if (!is_valid_colony_id(fields_.colony.text)) {
      return fail("colony must match [A-Za-z0-9_-]{1,64}");
    }
    if (auto problem = required_string("watch", "token", fields_.token, limits_.max_field_bytes)) {
      return fail(*std::move(problem));
    }
    if (auto problem = optional_string("watch", "epoch", fields_.epoch, limits_.max_field_bytes)) {
      return fail(*std::move(problem));
    }
    WatchRequest request{std::string(fields_.colony.text), std::string(fields_.token.text),
                         std::nullopt, std::nullopt};
    if (fields_.epoch.presence == Presence::expected_type) request.epoch = std::string(fields_.epoch.text);
    switch (fields_.since.presence) {
      case Presence::expected_type:
        request.since = fields_.since.number;
        break;
      case Presence::other_type:
        return fail("watch \"since\" must be an unsigned integer");
      case Presence::absent:
      case Presence::null:
        break;
    }
    return succeed(std::move(request));
  }

  ParseResult status() const {
    if (fields_.meta.presence != Presence::expected_type) {
      return fail("status needs an object \"meta\"");
    }
    if (fields_.meta.minified.size() > limits_.max_meta_bytes) {
      return fail("\"meta\" is longer than " + std::to_string(limits_.max_meta_bytes) +
                  " bytes once minified");
    }
    return succeed(StatusRequest{fields_.meta.minified});
  }

  ParseResult chat() const {
    if (auto problem = required_string("chat", "text", fields_.text, limits_.max_chat_bytes)) {
      return fail(*std::move(problem));
    }
    if (fields_.text.text.empty()) {
      return fail("chat \"text\" must not be empty");
    }
    return succeed(ChatRequest{std::string(fields_.text.text)});
  }

  static std::string too_long(std::string_view name, std::size_t max_bytes) {
    return quoted(name) + " is longer than " + std::to_string(max_bytes) + " bytes";
  }

  static std::optional<std::string> required_string(std::string_view type, std::string_view name,
                                                    const StringField& field,
                                                    std::size_t max_bytes) {
    if (field.presence != Presence::expected_type) {
      return std::string(type) + " needs a string " + quoted(name);
    }
    if (field.text.size() > max_bytes) {
      return too_long(name, max_bytes);
    }
    return std::nullopt;
  }

  // An optional field may be absent or null; when present it must be a string.
  static std::optional<std::string> optional_string(std::string_view type, std::string_view name,
                                                    const StringField& field,
                                                    std::size_t max_bytes) {
    if (field.presence == Presence::absent || field.presence == Presence::null) {
      return std::nullopt;
    }
    if (field.presence == Presence::other_type) {
      return std::string(type) + " " + quoted(name) + " must be a string";
    }
    return required_string(type, name, field, max_bytes);
  }

  ParseResult fail(std::string message) const { return bad_request(std::move(message), id_json_); }

  // The type goes with the error: before a session's first message, what may come first decides
  // between bad_request and unauthorized.
  ParseError bad_request(std::string message, std::optional<std::string> id_json) const {
    std::string type = fields_.type.presence == Presence::expected_type ? std::string(fields_.type.text) : "";
    return ParseError{"bad_request", std::move(message), std::move(id_json), std::move(type)};
  }

  ParseResult succeed(ClientRequest request) const {
    return ClientMessage{id_json_, std::move(request)};
  }

  const Fields& fields_;
  const ParseLimits& limits_;
  std::optional<std::string> id_json_;
};

}  // namespace

struct ClientMessageParser::Impl {
  explicit Impl(ParseLimits parse_limits) : limits(parse_limits) {}

  ParseLimits limits;
  ondemand::parser parser;
  detail::PaddedBuffer buffer;
};

ClientMessageParser::ClientMessageParser(ParseLimits limits)
    : impl_(std::make_unique<Impl>(limits)) {}

ClientMessageParser::~ClientMessageParser() = default;

ParseResult ClientMessageParser::parse(std::string_view frame) {
  if (!is_valid_utf8(frame)) {
    return bad_json("the frame is not valid UTF-8");
  }
  ondemand::document document;
  if (auto error = impl_->parser.iterate(impl_->buffer.pad(frame)).get(document)) {
    return bad_json(error);
  }
  ondemand::object object;
  if (auto error = document.get_object().get(object)) {
    return error == simdjson::INCORRECT_TYPE ? bad_json("a frame must be one JSON object")
                                             : bad_json(error);
  }
  Fields fields;
  // The id may have been read before the error; echoing it lets the client match the reply, but
  // only within the bound that RequestBuilder holds it to.
  auto echoed_id = [&]() -> std::optional<std::string> {
    auto id = fields.readable_id();
    if (id && id->size() > impl_->limits.max_field_bytes) return std::nullopt;
    return id;
  };
  if (auto error = read_fields(object, fields)) {
    return bad_json(error, echoed_id());
  }
  if (!detail::at_document_end(document)) {
    return bad_json("the frame holds more than one JSON value", echoed_id());
  }
  return RequestBuilder(fields, impl_->limits).build();
}

std::string_view request_type_name(const ClientRequest& request) {
  struct TypeName {
    std::string_view operator()(const OnboardRequest&) const { return "onboard"; }
    std::string_view operator()(const HelloRequest&) const { return "hello"; }
    std::string_view operator()(const WatchRequest&) const { return "watch"; }
    std::string_view operator()(const HeartbeatRequest&) const { return "heartbeat"; }
    std::string_view operator()(const PingRequest&) const { return "ping"; }
    std::string_view operator()(const StatusRequest&) const { return "status"; }
    std::string_view operator()(const CloneRequest&) const { return "clone"; }
    std::string_view operator()(const ChatRequest&) const { return "chat"; }
  };
  return std::visit(TypeName{}, request);
}

}  // namespace mi::protocol
