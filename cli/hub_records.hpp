#pragma once
// The hub's AGENT and INVITE objects twice: parsed, for mi's own use, and exactly as the hub
// wrote them, so that --json output keeps every field, including those the hub adds beyond the
// contract (such as an agent's offline_reason).

#include <string>

#include "protocol/server_message.hpp"
#include "protocol/server_message_parser.hpp"

namespace mi::cli {

struct AgentRecord {
  protocol::Agent agent;
  std::string json;
};

struct InviteRecord {
  protocol::Invite invite;
  std::string json;
};

}  // namespace mi::cli
