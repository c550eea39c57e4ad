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

void add_status_command(CLI::App& app, const GlobalOptions& global) {
  auto args = std::make_shared<StatusArguments>();
  auto* status = app.add_subcommand("status", "List a colony's agents and who is Online (admin)");
  status->add_option("--colony", args->colony, "The colony (office) to show, e.g. c1")->type_name("ID")->required();
  status->add_flag("--watch", args->watch, "Keep the table live until Ctrl-C (--json: a line per change)");
  status->footer("Columns: agent id, kind (Remote: joined with an invite; Hosted: a clone), status (Online or\n"
                 "Offline), last seen. Needs the admin token. Example: mi status --colony c1 --watch");
  status->callback([&global, args] {
    check_colony(args->colony);
    if (args->watch) {
      watch_status(global, *args);
    } else {
      show_status(global, *args);
    }
  });
}

}  // namespace mi::cli
