// mi agent: joining a colony with an invite and acting as the agent that joined.

#include <csignal>
#include <memory>

#include <boost/asio/signal_set.hpp>
#include <boost/asio/this_coro.hpp>
#include <simdjson.h>

#include "cli/agent_actions.hpp"
#include "cli/agent_link.hpp"
#include "cli/agent_session.hpp"
#include "cli/command_error.hpp"
#include "cli/commands.hpp"
#include "cli/console.hpp"
#include "cli/event_loop.hpp"
#include "cli/json_output.hpp"
#include "cli/json_read.hpp"
#include "cli/messages.hpp"
#include "protocol/client_message.hpp"
#include "protocol/validation.hpp"

namespace mi::cli {

namespace asio = boost::asio;
namespace fs = std::filesystem;

namespace {

struct AgentArguments {
  std::string code;
  std::string name;
  bool force = false;
  std::string credentials_file;  // empty: $MI_HOME/agent.json
  double interval_seconds = 30;
  std::string text;
  std::string meta = "{}";
  bool once = false;
};

fs::path credentials_file(const AgentArguments& args) {
  return args.credentials_file.empty() ? agent_credentials_path() : fs::path(args.credentials_file);
}

std::string signal_name(int signal_number) { return signal_number == SIGINT ? "SIGINT" : "SIGTERM"; }

// Turns a refusal of the whole onboarding into a sentence; the invite code is part of it.
CommandError onboard_refusal(const protocol::ServerMessage& reply, const HubEndpoint& hub, const std::string& code) {
  AgentRefusal refusal_info;
  refusal_info.code = reply.code;
  refusal_info.message = reply.message;
  refusal_info.hub = hub.text();
  refusal_info.invite_code = code;
  return agent_refusal(refusal_info);
}

// The agent already saved in `file`, whose credentials onboarding will keep aside; none when
// there is no file. A file that is not credentials, or names no colony and agent the hub could
// have given (they become a path), is refused: mi cannot tell where it belongs.
std::optional<Credentials> agent_to_keep(const fs::path& file) {
  std::error_code ignored;
  if (!fs::exists(file, ignored)) return std::nullopt;
  const auto refuse = [&file](const std::string& why) {
    return usage_error(why + "\nOnboarding would replace " + file.string() +
                       ". Use --force to replace it, or set MI_HOME to another directory.");
  };
  Credentials saved;
  try {
    saved = load_credentials(file);
  } catch (const CommandError& error) {
    throw refuse(error.what());
  }
  if (!protocol::is_valid_colony_id(saved.colony) || !protocol::is_valid_agent_name(saved.agent)) {
    throw refuse(file.string() + " names colony \"" + saved.colony + "\" and agent \"" + saved.agent +
                 "\", which are not ids a hub gives.");
  }
  return saved;
}

void onboard(const GlobalOptions& global, const AgentArguments& args, bool name_given) {
  const auto code = checked_invite_code(args.code);
  if (name_given && !protocol::is_valid_agent_name(args.name)) {
    throw usage_error("\"" + args.name + "\" is not an agent name: use 1 to 63 characters of a-z, 0-9, '.', '_' "
                      "and '-', starting with a letter or a digit.");
  }
  const fs::path file = agent_credentials_path();
  // Onboarding another agent here keeps the one saved before in agents/COLONY/ID.json (unless
  // --force), so that it can still connect with --credentials.
  const std::optional<Credentials> previous = args.force ? std::nullopt : agent_to_keep(file);
  const fs::path kept_file =
      previous ? replaced_agent_credentials_path(previous->colony, previous->agent) : fs::path();
  // Before the code is spent: the credentials must have somewhere to go (parents included).
  prepare_private_directory(file.parent_path());
  if (previous) prepare_private_directory(kept_file.parent_path());
  const HubEndpoint hub = chosen_hub(global);

  run_event_loop([&]() -> asio::awaitable<void> {
    WsClient ws(co_await asio::this_coro::executor);
    co_await ws.connect(hub, kConnectTimeout);
    JsonObject request;
    request.add("type", "onboard").add("id", 1).add("code", code);
    if (name_given) request.add("name", args.name);
    const HubReply welcome = co_await request_reply(ws, hub, request.text(), "1");
    const auto& reply = welcome.message;
    if (reply.type != "welcome") throw onboard_refusal(reply, hub, code);
    if (!reply.agent || !reply.token) {
      throw refusal("bad_reply", "The hub at " + hub.text() + " welcomed the agent without its credentials. Are mi "
                                 "and mi-hub of matching versions?");
    }
    const Credentials credentials{hub.text(), reply.colony, reply.agent->id, *reply.token};
    try {
      if (previous) save_credentials(kept_file, *previous);
      save_credentials(file, credentials);
    } catch (const CommandError& error) {
      // The invite is spent: these credentials are the only way back in for this agent.
      throw refusal("file_error", std::string(error.what()) +
                                      "\nThe agent joined, but its credentials could not be saved. Save them by hand "
                                      "(mode 0600) to " + file.string() + ":\n" + credentials_json(credentials));
    }
    co_await ws.close(1000, kCloseTimeout);

    if (global.json) {
      JsonObject out;
      out.add("colony", credentials.colony)
          .add_raw("agent", raw_member(welcome.frame, "agent").value_or("null"))
          .add("credentials", file.string());
      if (previous) out.add("previous_credentials", kept_file.string());
      print_line(out.text());
    } else {
      print_line("Joined colony " + credentials.colony + " as " + credentials.agent);
      if (name_given && args.name != credentials.agent) {
        tell("The name " + args.name + " was taken in colony " + credentials.colony + ", so the hub named this agent " +
             credentials.agent + ".");
      }
      tell("Credentials saved to " + file.string() + " (readable by you only).\n"
           "Keep the agent Online with: mi agent heartbeat-daemon");
      if (previous) {
        tell("The agent saved there before, " + agent_label(*previous) + ", is kept in " + kept_file.string() +
             ": mi agent heartbeat-daemon --credentials " + kept_file.string());
      }
    }
  });
}

// heartbeat-daemon and run: the same loop, until SIGINT or SIGTERM.
void keep_online(const GlobalOptions& global, const AgentArguments& args) {
  const fs::path file = credentials_file(args);
  const Credentials credentials = load_credentials(file);
  const AgentSessionOptions options{credentials, file, agent_hub(global, credentials),
                                    std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                        std::chrono::duration<double>(args.interval_seconds)),
                                    global.json};

  run_event_loop([&]() -> asio::awaitable<void> {
    auto executor = co_await asio::this_coro::executor;
    auto session = std::make_shared<AgentSession>(executor, options);
    asio::signal_set signals(executor, SIGINT, SIGTERM);
    signals.async_wait([session](const boost::system::error_code& error, int signal_number) {
      if (!error) session->stop("received " + signal_name(signal_number));
    });
    co_await session->run();
  });
}

// How an action reached the hub, for the sentence that reports it.
std::string by_way_of(const AgentActions& actions) {
  return actions.through_daemon_connection() ? " (through the running heartbeat daemon's connection)" : "";
}

void clone(const GlobalOptions& global, const AgentArguments& args) {
  const fs::path file = credentials_file(args);
  const Credentials credentials = load_credentials(file);
  const HubEndpoint hub = agent_hub(global, credentials);
  prepare_private_directory(clones_directory());

  run_event_loop([&]() -> asio::awaitable<void> {
    AgentActions actions(hub, credentials, file);
    const ClonedAgent cloned = co_await actions.clone();
    const Credentials clone_credentials{hub.text(), credentials.colony, cloned.agent.agent.id, cloned.token};
    const fs::path clone_file = clone_credentials_path(clone_credentials.agent);
    try {
      save_credentials(clone_file, clone_credentials);
    } catch (const CommandError& error) {
      throw refusal("file_error", std::string(error.what()) + "\nThe clone " + clone_credentials.agent +
                                      " exists, but its credentials could not be saved. Save them by hand (mode "
                                      "0600) to " + clone_file.string() + ":\n" + credentials_json(clone_credentials));
    }

    if (global.json) {
      print_line(JsonObject()
                     .add("colony", credentials.colony)
                     .add("source", credentials.agent)
                     .add_raw("agent", cloned.agent.json)
                     .add("credentials", clone_file.string())
                     .text());
      co_return;
    }
    print_line(clone_credentials.agent);
    tell("Cloned " + agent_label(credentials) + " into " + clone_credentials.agent + by_way_of(actions) +
         ", a Hosted agent, Offline until its worker runs.\nIts credentials are in " + clone_file.string() +
         "; a worker runs it with: mi agent run --credentials " + clone_file.string());
  });
}

// Acts as the agent of the credentials file (through its daemon, or over HTTP), then reports.
void act_as_agent(const GlobalOptions& global, const AgentArguments& args,
                  const std::function<asio::awaitable<void>(AgentActions&)>& action,
                  const std::function<void(const Credentials&, const std::string& way)>& report) {
  const fs::path file = credentials_file(args);
  const Credentials credentials = load_credentials(file);
  const HubEndpoint hub = agent_hub(global, credentials);
  AgentActions actions(hub, credentials, file);
  run_event_loop([&]() -> asio::awaitable<void> { co_await action(actions); });
  report(credentials, by_way_of(actions));
}

void chat(const GlobalOptions& global, const AgentArguments& args) {
  const protocol::ParseLimits limits;
  if (args.text.empty()) throw usage_error("The chat message is empty: write something to send.");
  if (args.text.size() > limits.max_chat_bytes || !protocol::is_valid_utf8(args.text)) {
    throw usage_error("A chat message is at most " + std::to_string(limits.max_chat_bytes) + " bytes of UTF-8 text.");
  }
  const auto post = [&](AgentActions& actions) { return actions.chat(args.text); };
  act_as_agent(global, args, post, [&](const Credentials& credentials, const std::string& way) {
    if (global.json) {
      print_line(JsonObject()
                     .add("colony", credentials.colony)
                     .add("from", credentials.agent)
                     .add("text", args.text)
                     .text());
    } else {
      tell("Sent to the chat of colony " + credentials.colony + " as " + credentials.agent + way + ".");
    }
  });
}

// The meta of `mi agent status`, minified; throws a usage CommandError unless it is a JSON object
// within the contract's size limit.
std::string checked_meta(const std::string& meta) {
  const protocol::ParseLimits limits;
  simdjson::dom::parser parser;
  simdjson::dom::object object;
  if (parser.parse(meta).get(object) != simdjson::SUCCESS) {
    throw usage_error("--meta must be a JSON object, such as '{\"task\":\"reviewing PR 12\"}'.");
  }
  std::string minified = simdjson::minify(object);
  if (minified.size() > limits.max_meta_bytes) {
    throw usage_error("--meta is " + std::to_string(minified.size()) + " bytes; the hub accepts at most " +
                      std::to_string(limits.max_meta_bytes) + ".");
  }
  return minified;
}

void publish_status(const GlobalOptions& global, const AgentArguments& args) {
  const std::string meta = checked_meta(args.meta);
  const auto publish = [&](AgentActions& actions) { return actions.publish_status(meta); };
  act_as_agent(global, args, publish, [&](const Credentials& credentials, const std::string& way) {
    if (global.json) {
      print_line(JsonObject()
                     .add("colony", credentials.colony)
                     .add("agent", credentials.agent)
                     .add_raw("meta", meta)
                     .text());
    } else {
      tell("Published the status of " + agent_label(credentials) + way + ": " + meta);
    }
  });
}

// mi agent heartbeat --once: one HTTP beat, for a cron job or a serverless agent without a socket.
void heartbeat_once(const GlobalOptions& global, const AgentArguments& args, bool meta_given) {
  if (!args.once) {
    throw usage_error("mi agent heartbeat sends one beat over HTTP and exits: add --once (for a cron job, run it "
                      "more often than the hub's presence TTL). To keep an agent Online continuously, run mi agent "
                      "heartbeat-daemon.");
  }
  std::optional<std::string> meta;
  if (meta_given) meta = checked_meta(args.meta);
  const auto beat = [&](AgentActions& actions) { return actions.http_heartbeat(meta); };
  act_as_agent(global, args, beat, [&](const Credentials& credentials, const std::string&) {
    if (global.json) {
      JsonObject out;
      out.add("colony", credentials.colony).add("agent", credentials.agent).add("sent", true);
      if (meta) out.add_raw("meta", *meta);
      print_line(out.text());
    } else {
      tell("Heartbeat sent: " + agent_label(credentials) + " is Online until the hub's presence TTL passes without "
           "another beat.");
    }
  });
}

CLI::Option* add_credentials_option(CLI::App* command, AgentArguments& args, const std::string& description) {
  return command->add_option("--credentials", args.credentials_file, description)->type_name("FILE");
}

CLI::Option* add_interval_option(CLI::App* command, AgentArguments& args) {
  return command
      ->add_option("--interval", args.interval_seconds, "Seconds between heartbeats (default 30; 0.5 is fine)")
      ->type_name("SECONDS")
      ->check(CLI::Range(0.05, 3600.0));
}

}  // namespace

void add_agent_commands(CLI::App& app, const GlobalOptions& global) {
  auto args = std::make_shared<AgentArguments>();
  const std::string saved_credentials = "The agent's credentials file (default: $MI_HOME/agent.json)";

  auto* agent = app.add_subcommand("agent", "Act as an agent: onboard, stay Online, clone, chat");
  agent->require_subcommand(1);
  agent->footer("The agent's credentials are kept in $MI_HOME/agent.json (MI_HOME defaults to ~/.mi), readable by\n"
                "you only; they connect to the hub they were issued by unless --hub says otherwise.\n"
                "Run mi agent COMMAND --help for the details of a command.");

  auto* onboard_command = agent->add_subcommand("onboard", "Join a colony with an invite code");
  onboard_command->add_option("code", args->code, "The 6-letter invite code from the office owner, e.g. JCVCFB")
      ->type_name("CODE")
      ->required();
  auto* name = onboard_command
                   ->add_option("--name", args->name,
                                "The agent's name (a-z 0-9 . _ -; default: agent)")
                   ->type_name("NAME");
  onboard_command->add_flag("--force", args->force,
                            "Replace the agent saved in $MI_HOME/agent.json without keeping it (by default it is "
                            "kept in $MI_HOME/agents/COLONY/ID.json)");
  onboard_command->footer(
      "Saves the agent's credentials to $MI_HOME/agent.json and prints the colony and the agent's id. When\n"
      "the name is taken in the colony, the hub adds -2, -3... Then keep it Online: mi agent heartbeat-daemon\n"
      "Example: mi agent onboard JCVCFB --name jared --hub https://hub.example.com");
  onboard_command->callback([&global, args, name] { onboard(global, *args, name->count() > 0); });

  auto* daemon = agent->add_subcommand("heartbeat-daemon", "Keep the saved agent connected and Online");
  add_interval_option(daemon, *args);
  add_credentials_option(daemon, *args, saved_credentials);
  daemon->footer("Sends heartbeats and reconnects whenever the connection is lost (waiting 0.5 s to 20 s,\n"
                 "more after each failure). Each change is printed on stderr with its time. Runs until\n"
                 "SIGINT (Ctrl-C) or SIGTERM, then closes the connection cleanly and exits 0.");
  daemon->callback([&global, args] { keep_online(global, *args); });

  auto* clone_command = agent->add_subcommand("clone", "Clone the agent into a Hosted worker (e.g. jared-2)");
  add_credentials_option(clone_command, *args, saved_credentials);
  clone_command->footer("Prints the clone's id and saves its credentials to $MI_HOME/clones/ID.json. Only a\n"
                        "Remote agent (one that joined with an invite) can clone itself; the original stays\n"
                        "connected. The clone is Offline until a worker runs it: mi agent run --credentials FILE");
  clone_command->callback([&global, args] { clone(global, *args); });

  auto* run = agent->add_subcommand("run", "Run a worker from a credentials file (e.g. a clone's)");
  add_credentials_option(run, *args, "The worker's credentials file, e.g. $MI_HOME/clones/jared-2.json")->required();
  add_interval_option(run, *args);
  run->footer("What a provisioner starts for a clone: connects with those credentials, sends heartbeats and\n"
              "reconnects, like heartbeat-daemon, until SIGINT or SIGTERM.\n"
              "Example: mi agent run --credentials ~/.mi/clones/jared-2.json");
  run->callback([&global, args] { keep_online(global, *args); });

  auto* chat_command = agent->add_subcommand("chat", "Post a message to the colony's group chat");
  chat_command->footer("Example: mi agent chat \"Hello from jared\"");
  chat_command->add_option("text", args->text, "The message")->type_name("TEXT")->required();
  add_credentials_option(chat_command, *args, saved_credentials);
  chat_command->callback([&global, args] { chat(global, *args); });

  auto* beat = agent->add_subcommand("heartbeat", "Send one heartbeat over HTTP and exit (for cron jobs)");
  beat->add_flag("--once", args->once, "Send one beat and exit: 0 when the hub took it, 1 otherwise (required)");
  auto* beat_meta = beat->add_option("--meta", args->meta, "Also publish this status (a JSON object of at most 1 KiB)")
                        ->type_name("JSON");
  add_credentials_option(beat, *args, saved_credentials);
  beat->footer("POST /v1/agents/heartbeat with the agent's token, no connection: the agent is Online until the\n"
               "hub's presence TTL (2 minutes by default) passes without another beat, then Offline (timeout).\n"
               "For agents that cannot hold a connection; others run mi agent heartbeat-daemon. Example crontab line:\n"
               "  * * * * * mi agent heartbeat --once --credentials ~/.mi/agent.json");
  beat->callback([&global, args, beat_meta] { heartbeat_once(global, *args, beat_meta->count() > 0); });

  auto* status = agent->add_subcommand("status", "Publish what the agent is doing (a JSON object)");
  status->footer("Watchers and dashboards show it as the agent's meta. Example:\n"
                 "  mi agent status --meta '{\"task\":\"reviewing PR 12\"}'");
  status->add_option("--meta", args->meta, "A JSON object of at most 1 KiB (default: {})")
      ->type_name("JSON");
  add_credentials_option(status, *args, saved_credentials);
  status->callback([&global, args] { publish_status(global, *args); });
}

}  // namespace mi::cli
