// mi: the command line of the presence hub, for operators (invites, who is online) and for
// agents (joining a colony, staying online). It speaks only the hub's public contract.

#include <algorithm>
#include <iostream>
#include <string>
#include <string_view>

#include <CLI/CLI.hpp>

#include "cli/command_error.hpp"
#include "cli/commands.hpp"
#include "cli/console.hpp"
#include "cli/json_output.hpp"
#include "cli/messages.hpp"
#include "cli/network_error.hpp"
#include "cli/version.hpp"

namespace {

using mi::cli::ExitCode;

constexpr const char* kDescription =
    "mi: the command line of the presence hub.\n"
    "Operators invite AI agents into a colony (an office) and see which of them are Online.\n"
    "Agents join a colony with an invite code and stay Online by sending heartbeats.";

constexpr const char* kFooter =
    "Commands:\n"
    "  invite --colony ID [--name N]   Create an agent invite and print its code (admin)\n"
    "  invite list --colony ID         List a colony's invites and their status (admin)\n"
    "  invite show CODE                Show one invite (admin)\n"
    "  invite revoke CODE              Revoke an invite so that its code stops working (admin)\n"
    "  agent onboard CODE [--name N]   Join a colony with an invite code, as an agent\n"
    "  agent heartbeat-daemon          Keep the agent connected and Online\n"
    "  agent heartbeat --once          Send one heartbeat over HTTP and exit (cron jobs)\n"
    "  agent clone                     Clone the agent into a Hosted worker (e.g. jared-2)\n"
    "  agent run --credentials FILE    Run a worker from a credentials file (e.g. a clone's)\n"
    "  agent chat TEXT                 Post to the colony's group chat\n"
    "  agent status [--meta JSON]      Publish what the agent is doing\n"
    "  agent remove ID --colony ID     Remove an agent from its colony; --force if online (admin)\n"
    "  agent history ID --colony ID    An agent's uptime and its Online/Offline history (admin)\n"
    "  status --colony ID [--watch]    List a colony's agents: Remote or Hosted, Online, Reconnecting or\n"
    "                                  Offline (admin)\n"
    "(admin): needs the hub's admin token, from --admin-token or MI_ADMIN_TOKEN.\n"
    "\n"
    "From invite to Online agent:\n"
    "  operator$ export MI_HUB=https://hub.example.com MI_ADMIN_TOKEN=<the hub's admin token>\n"
    "  operator$ mi invite --colony c1 --name jared          prints a code, e.g. JCVCFB\n"
    "  agent$    mi agent onboard JCVCFB --name jared --hub https://hub.example.com\n"
    "  agent$    mi agent heartbeat-daemon                    keeps it Online; leave it running\n"
    "  operator$ mi status --colony c1                        jared  Remote  Online  just now\n"
    "\n"
    "Agent credentials are kept in $MI_HOME (default ~/.mi), readable by you only.\n"
    "Run mi COMMAND --help for the details of a command, e.g. mi agent onboard --help.\n"
    "Exit status: 0 success, 1 the hub said no or could not be reached, 2 bad usage.";

int fail(const mi::cli::GlobalOptions& global, ExitCode exit_code, const std::string& code, const std::string& sentence) {
  std::cerr << "error: " << sentence << std::endl;
  if (global.json && exit_code != ExitCode::usage) mi::cli::print_line(mi::cli::error_json(code, sentence));
  return static_cast<int>(exit_code);
}

// The command the words so far named, "mi invite revoke", for the help a usage error points to.
std::string command_path(const CLI::App& app) {
  std::string path = "mi";
  const CLI::App* current = &app;
  while (true) {
    const CLI::App* next = nullptr;
    for (const auto* command : current->get_subcommands()) {
      if (command->parsed()) next = command;
    }
    if (next == nullptr) return path;
    path += " " + next->get_name();
    current = next;
  }
}

// Every mistake in the command line, CLI11's own included, reads the same: one "error:" line,
// then where to look, and exit status 2.
int usage_failure(const CLI::App& app, const std::string& sentence) {
  std::cerr << "error: " << sentence << "\nRun " << command_path(app) << " --help to see how to use it." << std::endl;
  return static_cast<int>(ExitCode::usage);
}

// CLI11 shows a command's own options in its --help; the global ones are the app's, so each
// command's help lists them too, from the app's own definitions.
void show_global_options_in_every_help(CLI::App& app) {
  std::string text = "Global options (before or after the command):\n";
  for (const auto* option : app.get_options()) {
    const std::string name = option->get_name();
    if (name == "--help" || name == "--version") continue;
    std::string left = "  " + name;
    if (option->get_type_size() != 0) left += " " + option->get_type_name();
    left.resize(std::max<std::size_t>(left.size() + 2, 34), ' ');
    const std::string env = option->get_envname();
    text += left + option->get_description() + (env.empty() ? "" : " (or " + env + ")") + "\n";
  }
  text.pop_back();
  std::vector<CLI::App*> commands = app.get_subcommands({});
  while (!commands.empty()) {
    auto* command = commands.back();
    commands.pop_back();
    const std::string footer = command->get_footer();
    command->footer(footer.empty() ? text : footer + "\n\n" + text);
    for (auto* child : command->get_subcommands({})) commands.push_back(child);
  }
}

}  // namespace

int main(int argc, char** argv) {
  mi::cli::GlobalOptions global;
  CLI::App app(kDescription, "mi");
  app.footer(kFooter);
  app.get_formatter()->column_width(34);
  // Global options may come after the command too: `mi status --colony c1 --json`.
  app.fallthrough();
  app.require_subcommand(1);
  app.set_version_flag("--version", "mi " + std::string(mi::cli::kVersion), "Print mi's version and exit");
  app.add_option("--hub", global.hub, "The hub's address, http:// or https:// (default http://127.0.0.1:8080)")
      ->envname("MI_HUB")
      ->type_name("URL");
  app.add_option("--admin-token", global.admin_token, "The hub's admin token (for invite and status)")
      ->envname("MI_ADMIN_TOKEN")
      ->type_name("TOKEN");
  app.add_option("--ca-file", global.ca_file,
                 "A PEM CA certificate to trust for an https:// hub, besides the system's trust store")
      ->envname("MI_CA_FILE")
      ->type_name("FILE");
  app.add_flag("--json", global.json,
               "Print JSON for programs: one document per result (per line when streaming)");

  mi::cli::add_invite_commands(app, global);
  mi::cli::add_agent_commands(app, global);
  mi::cli::add_status_command(app, global);
  mi::cli::add_agent_history_command(app, global);
  // The footer lists every command with its arguments, which says more than their names alone.
  for (auto* command : app.get_subcommands({})) command->group("");
  show_global_options_in_every_help(app);

  if (argc <= 1) {
    std::cout << app.help();
    return usage_failure(app, "a command is required, such as mi status --colony ID.");
  }
  try {
    app.parse(argc, argv);
    return static_cast<int>(ExitCode::success);
  } catch (const CLI::RequiredError& error) {
    // `mi bogus`: CLI11 would only say that a command is required; name the word it did not know.
    const auto unknown = app.remaining(true);
    if (std::string_view(error.what()).find("subcommand") != std::string_view::npos && !unknown.empty()) {
      return usage_failure(app, "unknown command: " + unknown.front());
    }
    return usage_failure(app, error.what());
  } catch (const CLI::ParseError& error) {
    // --help and --version are "errors" that exit 0, printed by CLI11; the rest are usage mistakes.
    if (error.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) return app.exit(error);
    return usage_failure(app, error.what());
  } catch (const mi::cli::CommandError& error) {
    return fail(global, error.exit_code(), error.code(), error.what());
  } catch (const mi::cli::UntrustedHub& error) {
    const auto sentence = mi::cli::untrusted_hub(error);
    return fail(global, sentence.exit_code(), sentence.code(), sentence.what());
  } catch (const mi::cli::NetworkError& error) {
    const auto sentence = mi::cli::unreachable(error);
    return fail(global, sentence.exit_code(), sentence.code(), sentence.what());
  } catch (const std::exception& error) {
    return fail(global, ExitCode::refused, "internal", std::string("unexpected failure: ") + error.what());
  }
}
