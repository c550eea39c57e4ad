#pragma once
// An agent's saved credentials: $MI_HOME/agent.json for the agent that onboarded here last,
// $MI_HOME/agents/COLONY/ID.json for the agents that onboarded here before it, and
// $MI_HOME/clones/ID.json for each clone it made. The token in them is the agent's secret, so
// the files are private to the user (0600, in a 0700 directory) and replaced atomically.

#include <filesystem>
#include <string>
#include <string_view>

namespace mi::cli {

struct Credentials {
  std::string hub;     // the hub's URL when the agent joined, where it reconnects by default
  std::string colony;
  std::string agent;   // the agent's id
  std::string token;   // opaque; whoever holds it is the agent
};

// $MI_HOME, else ~/.mi. Throws a usage CommandError when neither MI_HOME nor HOME is set.
std::filesystem::path mi_home();
std::filesystem::path agent_credentials_path();
std::filesystem::path replaced_agent_credentials_path(std::string_view colony, std::string_view agent_id);
std::filesystem::path clones_directory();
std::filesystem::path clone_credentials_path(std::string_view clone_id);

// Throws a CommandError that says what to do when the file is missing or not credentials.
Credentials load_credentials(const std::filesystem::path& file);

// Creates `directory` (0700) when it is missing. Throws a CommandError when it cannot; called
// before an invite is spent, so that the credentials will have somewhere to go. Missing parents
// are made the same way.
void prepare_private_directory(const std::filesystem::path& directory);

// Writes a temporary file in the same directory with mode 0600, syncs it, and renames it over
// `file`: a reader sees the old credentials or the new ones, never half of them.
// Throws a CommandError on failure.
void save_credentials(const std::filesystem::path& file, const Credentials& credentials);

// The credentials as the JSON document that the files hold.
std::string credentials_json(const Credentials& credentials);

}  // namespace mi::cli
