#pragma once
// Each group of commands adds itself to the command line; its callbacks do the work and throw
// CommandError when they cannot.

#include <CLI/CLI.hpp>

#include "cli/global_options.hpp"

namespace mi::cli {

void add_invite_commands(CLI::App& app, const GlobalOptions& global);
void add_agent_commands(CLI::App& app, const GlobalOptions& global);
void add_status_command(CLI::App& app, const GlobalOptions& global);
// mi agent history: an owner's command among the agent's own (after add_agent_commands).
void add_agent_history_command(CLI::App& app, const GlobalOptions& global);

}  // namespace mi::cli
