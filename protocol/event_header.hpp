#pragma once
// The facts the hub needs of each event it routes (its seq, its epoch, and whether it is chat),
// read from the JSON that the Redis scripts build. The scripts write "type", "colony", "seq",
// "epoch", "ts" and "event" first, in that order, and neither a colony id nor an epoch can hold a
// quote or a backslash, so a scan of the head is exact; anything else is refused.

#include <cstdint>
#include <optional>
#include <string_view>

namespace mi::protocol {

struct EventHeader {
  std::uint64_t seq = 0;
  std::string_view epoch;  // the colony's event history (docs/protocol.md section 6); a view into the text
  std::string_view kind;   // "join", "online", ... (a view into the event text)
};

std::optional<EventHeader> peek_event_header(std::string_view event_json);

// The AGENT an event carries, as the scripts wrote it: "agent" follows "event" directly, and its
// text starts with the id (prelude.lua agent_json). Both are views into the event text.
struct EventAgent {
  std::string_view id;
  std::string_view json;  // the whole AGENT object, braces included
};

// Nothing when the event carries no agent (chat) or its text is not the scripts' shape.
std::optional<EventAgent> peek_event_agent(std::string_view event_json);

// The id an AGENT object's text starts with ({"id":"...), as the scripts write it; empty if not.
std::string_view agent_json_id(std::string_view agent_json);

}  // namespace mi::protocol
