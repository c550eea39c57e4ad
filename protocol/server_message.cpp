#include "protocol/server_message.hpp"

#include <span>

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

void append_int_member(std::string& out, std::string_view key, std::int64_t value) {
  out.push_back(',');
  append_json_key(out, key);
  append_json_int(out, value);
}

// `,"key":[RAW,RAW...]`, each element JSON built elsewhere (AGENT objects).
void append_raw_array_member(std::string& out, std::string_view key, std::span<const std::string> jsons) {
  out.push_back(',');
  append_json_key(out, key);
  out.push_back('[');
  for (std::size_t index = 0; index < jsons.size(); ++index) {
    if (index > 0) {
      out.push_back(',');
    }
    out.append(jsons[index]);
  }
  out.push_back(']');
}

std::size_t total_size(std::span<const std::string> jsons) {
  std::size_t size = 0;
  for (const std::string& json : jsons) {
    size += json.size() + 1;
  }
  return size;
}

// `{"key":`: an HTTP body, whose first member's value the caller appends. (HTTP bodies have no
// "type": each path has one shape.)
std::string open_body(std::string_view first_key, std::size_t expected_size) {
  std::string out;
  out.reserve(expected_size);
  out.push_back('{');
  append_json_key(out, first_key);
  return out;
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
                               const std::optional<std::string>& id_json,
                               std::optional<std::int64_t> retry_after_seconds) {
  std::string out = open_message("error", id_json, 64 + code.size() + message.size());
  append_string_member(out, "code", code);
  append_string_member(out, "message", message);
  if (retry_after_seconds) {
    out.push_back(',');
    append_json_key(out, "retry_after");
    append_json_int(out, *retry_after_seconds);
  }
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

std::string serialize_snapshot(std::string_view colony, std::uint64_t seq, std::string_view epoch,
                               std::span<const std::string> first_part, std::size_t parts,
                               const std::optional<std::string>& id_json) {
  std::string out = open_message("snapshot", id_json, 112 + colony.size() + epoch.size() + total_size(first_part));
  append_string_member(out, "colony", colony);
  append_uint_member(out, "seq", seq);
  append_string_member(out, "epoch", epoch);
  append_raw_array_member(out, "agents", first_part);
  append_uint_member(out, "parts", parts);
  out.push_back('}');
  return out;
}

std::string serialize_snapshot_part(std::string_view colony, std::uint64_t seq, std::size_t part,
                                    std::span<const std::string> agent_jsons) {
  std::string out = open_message("snapshot_part", std::nullopt, 96 + colony.size() + total_size(agent_jsons));
  append_string_member(out, "colony", colony);
  append_uint_member(out, "seq", seq);
  append_uint_member(out, "part", part);
  append_raw_array_member(out, "agents", agent_jsons);
  out.push_back('}');
  return out;
}

std::string serialize_resume(std::string_view colony, std::uint64_t seq, std::string_view epoch,
                             const std::optional<std::string>& id_json) {
  std::string out = open_message("resume", id_json, 80 + colony.size() + epoch.size());
  append_string_member(out, "colony", colony);
  append_uint_member(out, "seq", seq);
  append_string_member(out, "epoch", epoch);
  out.push_back('}');
  return out;
}

std::string serialize_invite_list(std::string_view colony, std::uint64_t total, const std::vector<Invite>& invites) {
  std::string out = open_body("colony", 48 + colony.size() + 200 * invites.size());
  append_json_string(out, colony);
  append_uint_member(out, "total", total);
  out.append(",\"invites\":[");
  for (std::size_t index = 0; index < invites.size(); ++index) {
    if (index > 0) {
      out.push_back(',');
    }
    append_invite(out, invites[index]);
  }
  out.append("]}");
  return out;
}

std::string serialize_agent_list(std::string_view colony, std::uint64_t seq, std::span<const std::string> agent_jsons,
                                 const std::optional<std::string>& next_cursor) {
  std::string out = open_body("colony", 80 + colony.size() + total_size(agent_jsons));
  append_json_string(out, colony);
  append_uint_member(out, "seq", seq);
  append_raw_array_member(out, "agents", agent_jsons);
  out.push_back(',');
  append_json_key(out, "next_cursor");
  if (next_cursor) {
    append_json_string(out, *next_cursor);
  } else {
    out.append("null");
  }
  out.push_back('}');
  return out;
}

std::string serialize_colony_list(const std::vector<std::string>& colonies) {
  std::string out = open_body("colonies", 16 + total_size(colonies) + 2 * colonies.size());
  out.push_back('[');
  for (std::size_t index = 0; index < colonies.size(); ++index) {
    if (index > 0) {
      out.push_back(',');
    }
    append_json_string(out, colonies[index]);
  }
  out.append("]}");
  return out;
}

std::string serialize_watch_token(std::string_view token, std::string_view colony, std::int64_t expires_at_ms) {
  std::string out = open_body("token", 64 + token.size() + colony.size());
  append_json_string(out, token);
  append_string_member(out, "colony", colony);
  append_int_member(out, "expires_at", expires_at_ms);
  out.push_back('}');
  return out;
}

std::string serialize_agent_credentials(std::string_view colony, std::string_view agent_id, std::string_view token) {
  std::string out = open_body("colony", 48 + colony.size() + agent_id.size() + token.size());
  append_json_string(out, colony);
  append_string_member(out, "agent", agent_id);
  append_string_member(out, "token", token);
  out.push_back('}');
  return out;
}

std::string serialize_admin_session(bool signed_in, std::optional<std::int64_t> expires_at_ms) {
  std::string out = open_body("signed_in", 48);
  append_json_bool(out, signed_in);
  if (expires_at_ms) {
    append_int_member(out, "expires_at", *expires_at_ms);
  }
  out.push_back('}');
  return out;
}

std::string serialize_ok() { return R"({"ok":true})"; }

std::string serialize_clone_result(std::string_view agent_json, std::string_view token) {
  std::string out = open_body("agent", 32 + agent_json.size() + token.size());
  out.append(agent_json);
  append_string_member(out, "token", token);
  out.push_back('}');
  return out;
}

std::string serialize_health(std::string_view status) {
  std::string out = open_body("status", 16 + status.size());
  append_json_string(out, status);
  out.push_back('}');
  return out;
}

}  // namespace mi::protocol
