#include "cli/global_options.hpp"

#include "cli/command_error.hpp"
#include "protocol/validation.hpp"

namespace mi::cli {

HubEndpoint chosen_hub(const GlobalOptions& global) {
  return HubEndpoint(parse_hub_url(global.hub.empty() ? kDefaultHubUrl : std::string_view(global.hub)),
                     global.ca_file);
}

HubEndpoint agent_hub(const GlobalOptions& global, const Credentials& credentials) {
  if (!global.hub.empty() || credentials.hub.empty()) return chosen_hub(global);
  return HubEndpoint(parse_hub_url(credentials.hub), global.ca_file);
}

AdminApi admin_api(const GlobalOptions& global) { return AdminApi(chosen_hub(global), global.admin_token); }

void check_colony(const std::string& colony) {
  if (!protocol::is_valid_colony_id(colony)) {
    throw usage_error("\"" + colony + "\" is not a colony id: use 1 to 64 letters, digits, '-' or '_'.");
  }
}

std::string checked_invite_code(const std::string& text) {
  auto code = protocol::normalize_invite_code(text);
  if (!code) throw usage_error("\"" + text + "\" is not an invite code: a code is 6 letters, such as JCVCFB.");
  return *code;
}

}  // namespace mi::cli
