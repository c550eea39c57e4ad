#pragma once
// Reading what the hub sends, for clients (the `mi` command line, the load generator, tests).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/server_message.hpp"

namespace mi::protocol {

struct Agent {
  std::string id;
  std::string colony;
  std::string kind;    // "remote" | "hosted"
  std::string status;  // "online" | "offline"
  std::optional<std::int64_t> last_seen;
  std::int64_t joined_at = 0;
  std::optional<std::string> clone_of;
  std::optional<std::string> invite;
  std::string meta_json = "{}";
  // Live sockets (absent from older hubs): 0 for an online agent means it is within the grace of
  // a dropped socket ("reconnecting"), or kept by HTTP beats or health reports.
  std::optional<std::int64_t> sockets;
};

// Any message from the hub, with the fields of every type flattened; which ones are set depends
// on `type` ("welcome", "error", "pong", "cloned", "snapshot", "snapshot_part", "resume", "event").
struct ServerMessage {
  std::string type;
  std::optional<std::string> id_json;
  // error
  std::string code;
  std::string message;
  std::optional<std::int64_t> retry_after;  // rate_limited: seconds until a retry is judged again
  // welcome, cloned, event
  std::string colony;
  std::optional<Agent> agent;
  std::optional<std::string> token;
  // snapshot, resume, event
  std::uint64_t seq = 0;
  std::string epoch;  // the colony's event history the seq belongs to (docs/protocol.md section 6)
  std::vector<Agent> agents;
  // event
  std::string event;  // join | online | offline | clone | update | chat | remove
  std::int64_t ts = 0;
  std::optional<std::string> reason;  // offline
  std::optional<std::string> source;  // clone
  std::optional<std::string> from;    // chat
  std::optional<std::string> text;    // chat
  std::optional<std::string> invite;  // join
  std::optional<std::string> meta_json;  // update: the new meta, minified (also the agent's meta)
  std::optional<std::uint64_t> presence_ttl_ms;  // welcome: how long the hub waits for a frame
  // snapshot: how many parts it comes in (1 from hubs that send none); snapshot_part: which (2..)
  std::uint64_t parts = 1;
  std::uint64_t part = 0;
};

// Parses one frame; nothing when it is not a JSON object with a string "type".
std::optional<ServerMessage> parse_server_message(std::string_view frame);

// Parses an AGENT object on its own (as in the HTTP agents list).
std::optional<Agent> parse_agent(std::string_view json);

// Parses an INVITE object (HTTP API replies).
std::optional<Invite> parse_invite(std::string_view json);

}  // namespace mi::protocol
