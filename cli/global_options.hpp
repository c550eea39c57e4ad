#pragma once
// The options every command shares (--hub, --admin-token, --json), and what follows from them.

#include <string>

#include "cli/admin_api.hpp"
#include "cli/credentials.hpp"
#include "cli/hub_url.hpp"

namespace mi::cli {

struct GlobalOptions {
  std::string hub;          // --hub or MI_HUB; empty when neither was given
  std::string admin_token;  // --admin-token or MI_ADMIN_TOKEN
  bool json = false;        // --json
};

// The hub of an operator command: --hub, else the default address.
HubUrl chosen_hub(const GlobalOptions& global);

// The hub of an agent command: --hub when given, else the hub the agent joined.
HubUrl agent_hub(const GlobalOptions& global, const Credentials& credentials);

AdminApi admin_api(const GlobalOptions& global);

// Throws a usage CommandError when `colony` is not a valid colony id.
void check_colony(const std::string& colony);

// The upper-case code; throws a usage CommandError when `text` cannot be an invite code.
std::string checked_invite_code(const std::string& text);

}  // namespace mi::cli
