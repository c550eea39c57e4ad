// mi invite: creating, listing, showing and revoking invites (operators, with the admin token).

#include <iostream>
#include <memory>

#include "cli/commands.hpp"
#include "cli/command_error.hpp"
#include "cli/console.hpp"
#include "cli/event_loop.hpp"
#include "cli/json_output.hpp"
#include "cli/table.hpp"
#include "cli/time_text.hpp"

namespace mi::cli {

namespace asio = boost::asio;

namespace {

struct InviteArguments {
  std::string colony;
  std::string name;
  std::string type = "agent";
  std::string code;
};

std::string or_dash(const std::optional<std::string>& text) { return text ? *text : "-"; }

// The --hub of the onboarding command: the hub's public URL, as its invite link carries it
// (<public-url>/r/CODE), which is also what the link's page prints. The address mi used may
// be a private one the agent cannot reach. A link of another shape falls back to that address.
std::string onboard_hub(const protocol::Invite& invite, const HubEndpoint& used) {
  const std::string suffix = "/r/" + invite.code;
  if (invite.url.size() > suffix.size() && invite.url.ends_with(suffix)) {
    return invite.url.substr(0, invite.url.size() - suffix.size());
  }
  return used.text();
}

void create_invite(const GlobalOptions& global, const InviteArguments& args, bool name_given) {
  if (args.colony.empty()) {
    throw usage_error("mi invite needs --colony ID to create an invite (or one of its commands: list, show, "
                      "revoke). See: mi invite --help");
  }
  check_colony(args.colony);
  auto api = admin_api(global);
  run_event_loop([&]() -> asio::awaitable<void> {
    std::optional<std::string> name;
    if (name_given) name = args.name;
    const auto [invite, json] = co_await api.create_invite(args.colony, args.type, name);
    if (global.json) {
      print_line(json);
      co_return;
    }
    // The code alone on stdout, so that `CODE=$(mi invite --colony c1)` works.
    print_line(invite.code);
    if (invite.type == "agent") {
      tell("Agent invite " + invite.code + " for colony " + invite.colony + ". Share the link " + invite.url +
           "\nor have the agent run: mi agent onboard " + invite.code + " --hub " + onboard_hub(invite, api.hub()));
    } else {
      tell("Human invite " + invite.code + " for colony " + invite.colony + ". Share the link " + invite.url);
    }
  });
}

void list_invites(const GlobalOptions& global, const InviteArguments& args) {
  check_colony(args.colony);
  auto api = admin_api(global);
  run_event_loop([&]() -> asio::awaitable<void> {
    const auto list = co_await api.list_invites(args.colony);
    if (global.json) {
      std::string invites = "[";
      for (const auto& record : list.invites) {
        if (invites.size() > 1) invites.push_back(',');
        invites += record.json;
      }
      invites.push_back(']');
      print_line(JsonObject()
                     .add("colony", args.colony)
                     .add("total", static_cast<std::int64_t>(list.total))
                     .add_raw("invites", invites)
                     .text());
      co_return;
    }
    if (list.invites.empty()) {
      print_line("No invites in colony " + args.colony + " yet. Create one with: mi invite --colony " + args.colony);
      co_return;
    }
    const auto now = now_ms();
    Table table({"CODE", "TYPE", "NAME", "STATUS", "CREATED", "REDEEMED BY"});
    for (const auto& [invite, json] : list.invites) {
      table.add_row({invite.code, invite.type, or_dash(invite.name), invite.status, time_ago(invite.created_at, now),
                     or_dash(invite.redeemed_by)});
    }
    std::cout << table.render() << std::flush;
    if (list.total > list.invites.size()) {
      tell("Showing the newest " + std::to_string(list.invites.size()) + " of " + std::to_string(list.total) +
           " invites.");
    }
  });
}

void print_invite(const GlobalOptions& global, const InviteRecord& record) {
  if (global.json) {
    print_line(record.json);
    return;
  }
  const auto& invite = record.invite;
  const auto now = now_ms();
  std::cout << render_fields({{"Code", invite.code},
                              {"Type", invite.type},
                              {"Colony", invite.colony},
                              {"Name", or_dash(invite.name)},
                              {"Status", invite.status},
                              {"Created", iso_time(invite.created_at) + " (" + time_ago(invite.created_at, now) + ")"},
                              {"Redeemed by", or_dash(invite.redeemed_by)},
                              {"Link", invite.url}})
            << std::flush;
}

void show_invite(const GlobalOptions& global, const InviteArguments& args) {
  const auto code = checked_invite_code(args.code);
  auto api = admin_api(global);
  run_event_loop([&]() -> asio::awaitable<void> { print_invite(global, co_await api.get_invite(code)); });
}

void revoke_invite(const GlobalOptions& global, const InviteArguments& args) {
  const auto code = checked_invite_code(args.code);
  auto api = admin_api(global);
  run_event_loop([&]() -> asio::awaitable<void> {
    // The hub answers a second revocation as it did the first (nothing changes): asking first is
    // how mi tells the user that this one did nothing.
    InviteRecord revoked = co_await api.get_invite(code);
    const bool already_revoked = revoked.invite.status == "revoked";
    if (!already_revoked) revoked = co_await api.revoke_invite(code);
    const auto& [invite, json] = revoked;
    if (global.json) {
      print_line(json);
      co_return;
    }
    if (already_revoked) {
      print_line("Invite " + invite.code + " of colony " + invite.colony +
                 " was already revoked: nothing changed, and it cannot be redeemed.");
      co_return;
    }
    print_line("Revoked invite " + invite.code + " of colony " + invite.colony + ": it can no longer be redeemed.");
  });
}

}  // namespace

void add_invite_commands(CLI::App& app, const GlobalOptions& global) {
  auto args = std::make_shared<InviteArguments>();

  auto* invite = app.add_subcommand("invite", "Create, list, show or revoke invites (needs the admin token)");
  invite->require_subcommand(0, 1);
  invite->add_option("--colony", args->colony, "The colony (office) to invite into, e.g. c1")->type_name("ID");
  auto* name = invite->add_option("--name", args->name, "A label for the invite, shown in lists")->type_name("NAME");
  invite->add_option("--type", args->type, "agent (default): for an AI agent; human: for a person")
      ->type_name("TYPE")
      ->check(CLI::IsMember({"agent", "human"}));
  invite->footer("Without a command, creates an invite and prints its 6-letter code alone on stdout (its link\n"
                 "on stderr). Examples:\n"
                 "  mi invite --colony c1 --name jared     create an agent invite\n"
                 "  mi invite list --colony c1             all invites of colony c1\n"
                 "  mi invite show JCVCFB                  is it still active? who redeemed it?\n"
                 "  mi invite revoke JCVCFB                make the code unusable");
  invite->callback([&global, args, invite, name] {
    if (invite->get_subcommands().empty()) create_invite(global, *args, name->count() > 0);
  });

  auto* list = invite->add_subcommand("list", "List a colony's invites, newest first, with their status");
  list->footer("Columns: code, type (agent or human), name, status (active, redeemed or revoked), created,\n"
               "redeemed by (the agent that used it).");
  list->add_option("--colony", args->colony, "The colony whose invites to list")->type_name("ID")->required();
  list->callback([&global, args] { list_invites(global, *args); });

  auto* show = invite->add_subcommand("show", "Show one invite: status, who redeemed it, link");
  show->footer("Example: mi invite show JCVCFB");
  show->add_option("code", args->code, "The invite's 6-letter code, e.g. JCVCFB")->type_name("CODE")->required();
  show->callback([&global, args] { show_invite(global, *args); });

  auto* revoke = invite->add_subcommand("revoke", "Revoke an active invite: its code stops working");
  revoke->footer("A redeemed invite cannot be revoked: its code is already spent.");
  revoke->add_option("code", args->code, "The invite's 6-letter code")->type_name("CODE")->required();
  revoke->callback([&global, args] { revoke_invite(global, *args); });
}

}  // namespace mi::cli
