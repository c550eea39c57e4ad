// mi agent history: an agent's presence transitions and uptime, for the colony's owner.

#include <cstdio>
#include <iostream>
#include <memory>

#include <simdjson.h>

#include "cli/command_error.hpp"
#include "cli/commands.hpp"
#include "cli/console.hpp"
#include "cli/event_loop.hpp"
#include "cli/table.hpp"
#include "cli/time_text.hpp"
#include "protocol/validation.hpp"

namespace mi::cli {

namespace asio = boost::asio;

namespace {

struct HistoryArguments {
  std::string colony;
  std::string agent_id;
};

std::string percent(double fraction) {
  char text[16];
  std::snprintf(text, sizeof text, "%.1f%%", fraction * 100);
  return text;
}

// The uptime lines and the table of transitions, from the hub's reply.
std::string render_history(const std::string& reply, const HistoryArguments& args, std::int64_t now) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  simdjson::dom::array transitions;
  double hour = 0, day = 0, week = 0;
  if (parser.parse(reply).get(root) != simdjson::SUCCESS || root["transitions"].get(transitions) != simdjson::SUCCESS ||
      root["uptime"]["1h"].get(hour) != simdjson::SUCCESS || root["uptime"]["24h"].get(day) != simdjson::SUCCESS ||
      root["uptime"]["7d"].get(week) != simdjson::SUCCESS) {
    throw refusal("bad_reply", "The hub sent a history that mi cannot read. Are mi and mi-hub of matching versions?");
  }
  std::string out = render_fields({{"Agent", args.agent_id + " (colony " + args.colony + ")"},
                                   {"Uptime 1h", percent(hour)},
                                   {"Uptime 24h", percent(day)},
                                   {"Uptime 7d", percent(week)}});
  if (transitions.size() == 0) return out + "\nNo transitions recorded.\n";
  Table table({"STATUS", "AT", "WHEN", "REASON"});
  for (simdjson::dom::element transition : transitions) {
    std::string_view status, reason;
    std::int64_t ts = 0;
    if (transition["status"].get(status) != simdjson::SUCCESS || transition["ts"].get(ts) != simdjson::SUCCESS) continue;
    if (transition["reason"].get(reason) != simdjson::SUCCESS) reason = {};
    table.add_row({status == "online" ? "Online" : "Offline", iso_time(ts), time_ago(ts, now), std::string(reason)});
  }
  return out + "\n" + table.render();
}

void show_history(const GlobalOptions& global, const HistoryArguments& args) {
  auto api = admin_api(global);
  run_event_loop([&]() -> asio::awaitable<void> {
    const auto reply = co_await api.agent_history(args.colony, args.agent_id);
    if (global.json) {
      print_line(reply);
      co_return;
    }
    std::cout << render_history(reply, args, now_ms()) << std::flush;
  });
}

}  // namespace

void add_agent_history_command(CLI::App& app, const GlobalOptions& global) {
  auto* agent = app.get_subcommand("agent");
  auto args = std::make_shared<HistoryArguments>();
  auto* history = agent->add_subcommand("history", "Show an agent's uptime and when it went Online and Offline (admin)");
  history->add_option("id", args->agent_id, "The agent's id, as mi status lists it")->type_name("ID")->required();
  history->add_option("--colony", args->colony, "The agent's colony, e.g. c1")->type_name("ID")->required();
  history->footer("Prints the share of the last hour, day and week the agent was Online (of the time it existed),\n"
                  "then its transitions, newest first (the hub keeps --history-days of them). Needs the admin\n"
                  "token. Example: mi agent history jared --colony c1");
  history->callback([&global, args] {
    check_colony(args->colony);
    if (!protocol::is_valid_agent_name(args->agent_id)) {
      throw usage_error("\"" + args->agent_id + "\" is not an agent id: ids are 1 to 63 characters of a-z, 0-9, '.', "
                        "'_' and '-'.");
    }
    show_history(global, *args);
  });
}

}  // namespace mi::cli
