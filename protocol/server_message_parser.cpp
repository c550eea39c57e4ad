#include "protocol/server_message_parser.hpp"

#include <simdjson.h>

#include "protocol/json_reader.hpp"

namespace mi::protocol {
namespace {

namespace ondemand = simdjson::ondemand;

// These functions are free, so each thread keeps its own parser and buffer.
struct Reader {
  ondemand::parser parser;
  detail::PaddedBuffer buffer;
};

Reader& thread_reader() {
  thread_local Reader reader;
  return reader;
}

bool read_string(ondemand::value& value, std::string& out) {
  std::string_view text;
  if (value.get_string().get(text) != simdjson::SUCCESS) {
    return false;
  }
  out.assign(text);
  return true;
}

bool is_null(ondemand::value& value) { return detail::token_text(value) == "null"; }

bool read_nullable_string(ondemand::value& value, std::optional<std::string>& out) {
  if (is_null(value)) {
    out.reset();
    return true;
  }
  return read_string(value, out.emplace());
}

template <typename Integer>
bool read_integer(ondemand::value& value, Integer& out) {
  const std::string_view token = detail::token_text(value);
  if (!detail::is_json_number(token)) {
    return false;
  }
  const auto number = detail::integer_from_token<Integer>(token);
  if (!number) {
    return false;
  }
  out = *number;
  return true;
}

bool read_nullable_integer(ondemand::value& value, std::optional<std::int64_t>& out) {
  if (is_null(value)) {
    out.reset();
    return true;
  }
  return read_integer(value, out.emplace());
}

bool read_object_json(ondemand::value& value, std::string& out) {
  ondemand::json_type type;
  if (value.type().get(type) != simdjson::SUCCESS || type != ondemand::json_type::object) {
    return false;
  }
  out.clear();
  return detail::copy_json(value, &out) == simdjson::SUCCESS;
}

// Calls read_member(key, value) for each member; false as soon as the JSON is malformed or
// read_member refuses a value. Members that read_member does not know must be passed to
// skip_unknown, which still checks them.
template <typename ReadMember>
bool read_members(ondemand::object& object, ReadMember&& read_member) {
  for (auto field : object) {
    std::string_view key;
    ondemand::value value;
    if (field.unescaped_key().get(key) != simdjson::SUCCESS ||
        field.value().get(value) != simdjson::SUCCESS || !read_member(key, value)) {
      return false;
    }
  }
  return true;
}

bool skip_unknown(ondemand::value& value) {
  return detail::validate_json(value) == simdjson::SUCCESS;
}

std::optional<Agent> read_agent_object(ondemand::object& object) {
  Agent agent;
  bool has_id = false;
  bool has_colony = false;
  bool has_kind = false;
  bool has_status = false;
  bool has_joined_at = false;
  const bool well_formed = read_members(object, [&](std::string_view key, ondemand::value& value) {
    if (key == "id") return has_id = read_string(value, agent.id);
    if (key == "colony") return has_colony = read_string(value, agent.colony);
    if (key == "kind") return has_kind = read_string(value, agent.kind);
    if (key == "status") return has_status = read_string(value, agent.status);
    if (key == "joined_at") return has_joined_at = read_integer(value, agent.joined_at);
    if (key == "last_seen") return read_nullable_integer(value, agent.last_seen);
    if (key == "sockets") return read_nullable_integer(value, agent.sockets);
    if (key == "clone_of") return read_nullable_string(value, agent.clone_of);
    if (key == "invite") return read_nullable_string(value, agent.invite);
    if (key == "meta") return read_object_json(value, agent.meta_json);
    return skip_unknown(value);
  });
  if (!well_formed || !has_id || !has_colony || !has_kind || !has_status || !has_joined_at) {
    return std::nullopt;
  }
  return agent;
}

bool read_agent(ondemand::value& value, Agent& out) {
  ondemand::object object;
  if (value.get_object().get(object) != simdjson::SUCCESS) {
    return false;
  }
  std::optional<Agent> agent = read_agent_object(object);
  if (!agent) {
    return false;
  }
  out = *std::move(agent);
  return true;
}

bool read_nullable_agent(ondemand::value& value, std::optional<Agent>& out) {
  if (is_null(value)) {
    out.reset();
    return true;
  }
  return read_agent(value, out.emplace());
}

bool read_agents(ondemand::value& value, std::vector<Agent>& out) {
  ondemand::array array;
  if (value.get_array().get(array) != simdjson::SUCCESS) {
    return false;
  }
  out.clear();
  for (auto element_result : array) {
    ondemand::value element;
    if (element_result.get(element) != simdjson::SUCCESS ||
        !read_agent(element, out.emplace_back())) {
      return false;
    }
  }
  return true;
}

bool read_id(ondemand::value& value, std::optional<std::string>& out) {
  std::optional<std::string_view> raw;
  if (detail::read_raw_id(value, raw) != simdjson::SUCCESS || !raw) {
    return false;
  }
  out = std::string(*raw);
  return true;
}

std::optional<ServerMessage> read_message_object(ondemand::object& object) {
  ServerMessage message;
  bool has_type = false;
  const bool well_formed = read_members(object, [&](std::string_view key, ondemand::value& value) {
    if (key == "type") return has_type = read_string(value, message.type);
    if (key == "id") return read_id(value, message.id_json);
    if (key == "code") return read_string(value, message.code);
    if (key == "message") return read_string(value, message.message);
    if (key == "colony") return read_string(value, message.colony);
    if (key == "agent") return read_nullable_agent(value, message.agent);
    if (key == "token") return read_nullable_string(value, message.token);
    if (key == "seq") return read_integer(value, message.seq);
    if (key == "epoch") return read_string(value, message.epoch);
    if (key == "agents") return read_agents(value, message.agents);
    if (key == "event") return read_string(value, message.event);
    if (key == "ts") return read_integer(value, message.ts);
    if (key == "reason") return read_nullable_string(value, message.reason);
    if (key == "source") return read_nullable_string(value, message.source);
    if (key == "from") return read_nullable_string(value, message.from);
    if (key == "text") return read_nullable_string(value, message.text);
    if (key == "invite") return read_nullable_string(value, message.invite);
    if (key == "meta") return read_object_json(value, message.meta_json.emplace());
    if (key == "presence_ttl_ms") return read_integer(value, message.presence_ttl_ms.emplace());
    if (key == "retry_after") return read_integer(value, message.retry_after.emplace());
    if (key == "parts") return read_integer(value, message.parts);
    if (key == "part") return read_integer(value, message.part);
    return skip_unknown(value);
  });
  if (!well_formed || !has_type) {
    return std::nullopt;
  }
  return message;
}

std::optional<Invite> read_invite_object(ondemand::object& object) {
  Invite invite;
  bool has_code = false;
  bool has_type = false;
  bool has_colony = false;
  bool has_status = false;
  bool has_created_at = false;
  bool has_url = false;
  const bool well_formed = read_members(object, [&](std::string_view key, ondemand::value& value) {
    if (key == "code") return has_code = read_string(value, invite.code);
    if (key == "type") return has_type = read_string(value, invite.type);
    if (key == "colony") return has_colony = read_string(value, invite.colony);
    if (key == "status") return has_status = read_string(value, invite.status);
    if (key == "created_at") return has_created_at = read_integer(value, invite.created_at);
    if (key == "url") return has_url = read_string(value, invite.url);
    if (key == "name") return read_nullable_string(value, invite.name);
    if (key == "redeemed_by") return read_nullable_string(value, invite.redeemed_by);
    return skip_unknown(value);
  });
  if (!well_formed || !has_code || !has_type || !has_colony || !has_status || !has_created_at ||
      !has_url) {
    return std::nullopt;
  }
  return invite;
}

// Parses `json` as one object with read_object; nothing when it is not exactly one valid object.
template <typename ReadObject>
auto parse_root_object(std::string_view json, ReadObject&& read_object)
    -> decltype(read_object(std::declval<ondemand::object&>())) {
  Reader& reader = thread_reader();
  ondemand::document document;
  ondemand::object object;
  if (reader.parser.iterate(reader.buffer.pad(json)).get(document) != simdjson::SUCCESS ||
      document.get_object().get(object) != simdjson::SUCCESS) {
    return std::nullopt;
  }
  auto result = read_object(object);
  if (!result || !detail::at_document_end(document)) {
    return std::nullopt;
  }
  return result;
}

}  // namespace

std::optional<ServerMessage> parse_server_message(std::string_view frame) {
  return parse_root_object(frame, read_message_object);
}

std::optional<Agent> parse_agent(std::string_view json) {
  return parse_root_object(json, read_agent_object);
}

std::optional<Invite> parse_invite(std::string_view json) {
  return parse_root_object(json, read_invite_object);
}

}  // namespace mi::protocol
