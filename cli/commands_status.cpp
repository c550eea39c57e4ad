// mi status: a colony's agents and whether they are online, once or kept live.

#include <csignal>
#include <iostream>
#include <memory>

#include <boost/asio/signal_set.hpp>
#include <boost/asio/this_coro.hpp>

#include "cli/colony_view.hpp"
#include "cli/colony_watch.hpp"
#include "cli/commands.hpp"
#include "cli/console.hpp"
#include "cli/event_loop.hpp"
#include "cli/time_text.hpp"

namespace mi::cli {

namespace asio = boost::asio;

namespace {

struct StatusArguments {
  std::string colony;
  bool watch = false;
};

void show_status(const GlobalOptions& global, const StatusArguments& args) {
  auto api = admin_api(global);
  run_event_loop([&]() -> asio::awaitable<void> {
    auto listed = co_await api.list_agents(args.colony);
    ColonyView view(args.colony);
    view.reset(listed.seq, std::move(listed.agents));
    if (global.json) {
      print_line(view.json());
    } else if (view.agents().empty()) {
      print_line("No agents in colony " + args.colony + " yet. Invite one with: mi invite --colony " + args.colony);
    } else {
      std::cout << view.render_table(now_ms()) << std::flush;
    }
  });
}

void watch_status(const GlobalOptions& global, const StatusArguments& args) {
  auto api = admin_api(global);
  const WatchOutput output = global.json           ? WatchOutput::json
                             : stdout_is_terminal() ? WatchOutput::redraw
                                                    : WatchOutput::lines;
  run_event_loop([&]() -> asio::awaitable<void> {
    auto executor = co_await asio::this_coro::executor;
    auto watch = std::make_shared<ColonyWatch>(executor, api, args.colony, output);
    asio::signal_set signals(executor, SIGINT, SIGTERM);
    signals.async_wait([watch](const boost::system::error_code& error, int) {
      if (!error) watch->stop();
    });
    co_await watch->run();
  });
}

}  // namespace

struct RemoveArguments {
  std::string colony;
  std::string agent_id;
  bool force = false;
};

void remove_agent(const GlobalOptions& global, const RemoveArguments& args) {
  auto api = admin_api(global);
  run_event_loop([&]() -> asio::awaitable<void> {
    const auto reply = co_await api.remove_agent(args.colony, args.agent_id, args.force);
    if (global.json) {
      print_line(reply);
      co_return;
    }
    print_line("Removed agent " + args.agent_id + " from colony " + args.colony +
               ": its credentials no longer work, and its name is not given again.");
  });
}

void add_status_command(CLI::App& app, const GlobalOptions& global) {
  auto args = std::make_shared<StatusArguments>();
  auto* status = app.add_subcommand("status", "List a colony's agents and who is Online (admin)");
  status->add_option("--colony", args->colony, "The colony (office) to show, e.g. c1")->type_name("ID")->required();
  status->add_flag("--watch", args->watch, "Keep the table live until Ctrl-C (--json: a line per change)");
  status->footer("Columns: agent id, kind (Remote: joined with an invite; Hosted: a clone), status (Online,\n"
                 "Reconnecting: its connection dropped and the hub waits a short grace for it, or Offline),\n"
                 "last seen. Needs the admin token. Example: mi status --colony c1 --watch");
  status->callback([&global, args] {
    check_colony(args->colony);
    if (args->watch) {
      watch_status(global, *args);
    } else {
      show_status(global, *args);
    }
  });

  // An owner's command among the agent's own: removing one is what mi status leads to.
  auto* agent = app.get_subcommand("agent");
  auto remove_args = std::make_shared<RemoveArguments>();
  auto* remove = agent->add_subcommand("remove", "Remove an agent from its colony (admin)");
  remove->add_option("id", remove_args->agent_id, "The agent's id, as mi status lists it")->type_name("ID")->required();
  remove->add_option("--colony", remove_args->colony, "The agent's colony, e.g. c1")->type_name("ID")->required();
  remove->add_flag("--force", remove_args->force, "Remove it even while it is online, closing its connections");
  remove->footer("The agent leaves the colony's list and its dashboard, its credentials stop working, and its\n"
                 "name is not given again. An online agent is removed only with --force. Needs the admin token.\n"
                 "Example: mi agent remove jared-2 --colony c1");
  remove->callback([&global, remove_args] {
    check_colony(remove_args->colony);
    remove_agent(global, *remove_args);
  });
}

}  // namespace mi::cli
