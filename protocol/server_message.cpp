#include "protocol/server_message.hpp"

#include "protocol/json_writer.hpp"

namespace mi::protocol {
namespace {

// Every WebSocket message starts with "type", then the request's id when the reply has one, so
// that a client can dispatch on a prefix.
std::string open_message(std::string_view type, const std::optional<std::string>& id_json,
                         std::size_t expected_size) {
  std::string out;
  out.reserve(expected_size);
  out.append("{\"type\":");
  append_json_string(out, type);
  if (id_json) {
    out.append(",\"id\":");
    out.append(*id_json);
  }
  return out;
}

void append_string_member(std::string& out, std::string_view key, std::string_view value) {
  out.push_back(',');
  append_json_key(out, key);
  append_json_string(out, value);
}

// Raw members are JSON built elsewhere (AGENT objects from the Redis scripts).
void append_raw_member(std::string& out, std::string_view key, std::string_view json) {
  out.push_back(',');
  append_json_key(out, key);
  out.append(json);
}

void append_uint_member(std::string& out, std::string_view key, std::uint64_t value) {
  out.push_back(',');
  append_json_key(out, key);
  append_json_uint(out, value);
}

}  // namespace

void append_invite(std::string& out, const Invite& invite) {
  out.push_back('{');
  append_json_key(out, "code");
  append_json_string(out, invite.code);
  append_string_member(out, "type", invite.type);
  append_string_member(out, "colony", invite.colony);
  out.push_back(',');
  append_json_key(out, "name");
  append_json_string_or_null(out, invite.name);
  append_string_member(out, "status", invite.status);
  out.push_back(',');
  append_json_key(out, "created_at");
  append_json_int(out, invite.created_at);
  out.push_back(',');
  append_json_key(out, "redeemed_by");
  append_json_string_or_null(out, invite.redeemed_by);
  append_string_member(out, "url", invite.url);
  out.push_back('}');
}

std::string serialize_invite(const Invite& invite) {
  std::string out;
  out.reserve(160 + invite.url.size());
  append_invite(out, invite);
  return out;
}

std::string serialize_http_error(std::string_view code, std::string_view message) {
  std::string out;
  out.reserve(40 + code.size() + message.size());
  out.append("{\"error\":{");
  append_json_key(out, "code");
  append_json_string(out, code);
  append_string_member(out, "message", message);
  out.append("}}");
  return out;
}

std::string serialize_ws_error(std::string_view code, std::string_view message,
                               const std::optional<std::string>& id_json) {
  std::string out = open_message("error", id_json, 48 + code.size() + message.size());
  append_string_member(out, "code", code);
  append_string_member(out, "message", message);
  out.push_back('}');
  return out;
}

std::string serialize_welcome(std::string_view colony, std::string_view agent_json,
                              const std::optional<std::string>& token,
                              const std::optional<std::string>& id_json, std::int64_t presence_ttl_ms) {
  std::string out = open_message("welcome", id_json, 96 + colony.size() + agent_json.size());
  append_string_member(out, "colony", colony);
  append_raw_member(out, "agent", agent_json);
  if (token) {
    append_string_member(out, "token", *token);
  }
  if (presence_ttl_ms > 0) append_uint_member(out, "presence_ttl_ms", static_cast<std::uint64_t>(presence_ttl_ms));
  out.push_back('}');
  return out;
}

std::string serialize_pong(std::int64_t ts_ms, const std::optional<std::string>& id_json) {
  std::string out = open_message("pong", id_json, 48);
  out.push_back(',');
  append_json_key(out, "ts");
  append_json_int(out, ts_ms);
  out.push_back('}');
  return out;
}

std::string serialize_cloned(std::string_view agent_json, std::string_view token,
                             const std::optional<std::string>& id_json) {
  std::string out = open_message("cloned", id_json, 48 + agent_json.size() + token.size());
  append_raw_member(out, "agent", agent_json);
  append_string_member(out, "token", token);
  out.push_back('}');
  return out;
}

std::string serialize_snapshot(std::string_view colony, std::uint64_t seq,
                               const std::vector<std::string>& agent_jsons,
                               const std::optional<std::string>& id_json) {
  std::size_t agents_size = 0;
  for (const std::string& agent : agent_jsons) {
    agents_size += agent.size() + 1;
  }
  std::string out = open_message("snapshot", id_json, 80 + colony.size() + agents_size);
  append_string_member(out, "colony", colony);
  append_uint_member(out, "seq", seq);
  out.append(",\"agents\":[");
  for (std::size_t index = 0; index < agent_jsons.size(); ++index) {
    if (index > 0) {
      out.push_back(',');
    }
    out.append(agent_jsons[index]);
  }
  out.append("]}");
  return out;
}

std::string serialize_resume(std::string_view colony, std::uint64_t seq,
                             const std::optional<std::string>& id_json) {
  std::string out = open_message("resume", id_json, 64 + colony.size());
  append_string_member(out, "colony", colony);
  append_uint_member(out, "seq", seq);
  out.push_back('}');
  return out;
}

}  // namespace mi::protocol
