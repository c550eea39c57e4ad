#pragma once
// The sentences a user reads when the hub says no or cannot be reached. Their wording follows
// the product's troubleshooting guide ("invalid code", "wrong invite type"...), so that what an
// agent prints is what its owner will search for.

#include <string>
#include <string_view>

#include "cli/command_error.hpp"
#include "cli/network_error.hpp"

namespace mi::cli {

// The hub did not answer at all.
CommandError unreachable(const NetworkError& error);

// The hub's TLS certificate did not pass verification; nothing was sent.
CommandError untrusted_hub(const UntrustedHub& error);

// The server at the hub's address answered 404 for `target`, and no mi-hub answers there: the
// address, most likely its base path, is wrong.
CommandError hub_not_found(const std::string& hub, const std::string& target);

// An admin call (invites, agents list, watch token) answered with an error status.
struct AdminRefusal {
  unsigned status = 0;
  std::string code;      // from the error body; empty when the body was not the hub's
  std::string message;   // the hub's own sentence
  std::string hub;       // the URL used
  bool token_given = false;
  std::string subject;   // what the call was about: "invite JCVCFB", "colony c1"
};
CommandError admin_refusal(const AdminRefusal& refusal);

// What went wrong with a WebSocket request, and for whom.
struct AgentRefusal {
  std::string code;      // "invalid_code", "unauthorized"...
  std::string message;   // the hub's own sentence
  std::string hub;
  std::string invite_code;       // onboard only
  std::string agent;             // "c1/jared", once known
  std::string credentials_file;  // where the agent's credentials came from, once known
};
CommandError agent_refusal(const AgentRefusal& refusal);

// The sentence for a refusal code that a retrying loop reports without stopping.
std::string short_refusal(std::string_view code, std::string_view hub_message);

}  // namespace mi::cli
