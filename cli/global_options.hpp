#pragma once
// The options every command shares (--hub, --admin-token, --ca-file, --json), and what follows
// from them.

#include <string>

#include "cli/admin_api.hpp"
#include "cli/credentials.hpp"
#include "cli/hub_endpoint.hpp"

namespace mi::cli {

struct GlobalOptions {
  std::string hub;          // --hub or MI_HUB; empty when neither was given
  std::string admin_token;  // --admin-token or MI_ADMIN_TOKEN
  std::string ca_file;      // --ca-file or MI_CA_FILE: a PEM CA trusted besides the system's, for https://
  bool json = false;        // --json
};

// The hub of an operator command: --hub, else the default address.
HubEndpoint chosen_hub(const GlobalOptions& global);

// The hub of an agent command: --hub when given, else the hub the agent joined.
HubEndpoint agent_hub(const GlobalOptions& global, const Credentials& credentials);

AdminApi admin_api(const GlobalOptions& global);

// Throws a usage CommandError when `colony` is not a valid colony id.
void check_colony(const std::string& colony);

// The upper-case code; throws a usage CommandError when `text` cannot be an invite code.
std::string checked_invite_code(const std::string& text);

}  // namespace mi::cli
