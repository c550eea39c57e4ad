#pragma once
// Messages the hub sends: serialized once, then shared by every receiver.
// AGENT objects are built by the Redis scripts (so that events published from Redis carry them
// atomically); here they pass through as raw JSON text.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace mi::protocol {

struct Invite {
  std::string code;
  std::string type;    // "agent" | "human"
  std::string colony;
  std::optional<std::string> name;
  std::string status;  // "active" | "redeemed" | "revoked"
  std::int64_t created_at = 0;  // ms since the epoch
  std::optional<std::string> redeemed_by;
  std::string url;     // <public-url>/r/CODE
};

std::string serialize_invite(const Invite& invite);
void append_invite(std::string& out, const Invite& invite);

// {"error":{"code":..,"message":..}}: the body of every HTTP error.
std::string serialize_http_error(std::string_view code, std::string_view message);

// {"type":"error","id":..,"code":..,"message":..[,"retry_after":S]}; "id" only when the request
// had one, "retry_after" (whole seconds until a retry would be judged) only when given.
std::string serialize_ws_error(std::string_view code, std::string_view message,
                               const std::optional<std::string>& id_json,
                               std::optional<std::int64_t> retry_after_seconds = std::nullopt);

// {"type":"welcome","id":..,"colony":..,"agent":AGENT[,"token":..][,"presence_ttl_ms":N]}. The
// presence TTL (when positive) tells the agent how often it must send a frame to stay online.
std::string serialize_welcome(std::string_view colony, std::string_view agent_json,
                              const std::optional<std::string>& token,
                              const std::optional<std::string>& id_json, std::int64_t presence_ttl_ms = 0);

// {"type":"pong","id":..,"ts":ms}
std::string serialize_pong(std::int64_t ts_ms, const std::optional<std::string>& id_json);

// {"type":"cloned","id":..,"agent":AGENT,"token":..}
std::string serialize_cloned(std::string_view agent_json, std::string_view token,
                             const std::optional<std::string>& id_json);

// {"type":"snapshot","id":..,"colony":..,"seq":N,"epoch":"..","agents":[AGENT...],"parts":K}: the
// first of K parts (docs/protocol.md section 8); K - 1 snapshot_part messages follow.
std::string serialize_snapshot(std::string_view colony, std::uint64_t seq, std::string_view epoch,
                               std::span<const std::string> first_part, std::size_t parts,
                               const std::optional<std::string>& id_json);

// {"type":"snapshot_part","colony":..,"seq":N,"part":i,"agents":[AGENT...]}, i = 2..K.
std::string serialize_snapshot_part(std::string_view colony, std::uint64_t seq, std::size_t part,
                                    std::span<const std::string> agent_jsons);

// {"type":"resume","id":..,"colony":..,"seq":N,"epoch":".."}
std::string serialize_resume(std::string_view colony, std::uint64_t seq, std::string_view epoch,
                             const std::optional<std::string>& id_json);

// ---- bodies of the HTTP API (docs/protocol.md section 2) -------------------------------------

// {"colony":..,"total":N,"invites":[INVITE...]}: one page of a colony's invites, newest first;
// `total` counts them all.
std::string serialize_invite_list(std::string_view colony, std::uint64_t total, const std::vector<Invite>& invites);

// {"colony":..,"seq":N,"agents":[AGENT...],"next_cursor":".."|null}: one page of the agents list.
std::string serialize_agent_list(std::string_view colony, std::uint64_t seq, std::span<const std::string> agent_jsons,
                                 const std::optional<std::string>& next_cursor);

// {"colonies":[..]}, in the order given.
std::string serialize_colony_list(const std::vector<std::string>& colonies);

// {"token":..,"colony":..,"expires_at":ms}: a token that lets a watcher watch that colony only.
std::string serialize_watch_token(std::string_view token, std::string_view colony, std::int64_t expires_at_ms);

// {"colony":..,"agent":..,"token":..}: new credentials of an agent.
std::string serialize_agent_credentials(std::string_view colony, std::string_view agent_id, std::string_view token);

// {"signed_in":true|false[,"expires_at":ms]}: the admin pages' session.
std::string serialize_admin_session(bool signed_in, std::optional<std::int64_t> expires_at_ms = std::nullopt);

// {"ok":true}: an agent's chat or status taken over HTTP (POST /v1/agents/chat, /status).
std::string serialize_ok();

// {"agent":CLONE,"token":..}: the answer of POST /v1/agents/clone, the `cloned` message's fields.
std::string serialize_clone_result(std::string_view agent_json, std::string_view token);

// {"status":..}: the answer of /healthz and /readyz.
std::string serialize_health(std::string_view status);

}  // namespace mi::protocol
