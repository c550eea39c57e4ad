#include "cli/colony_watch.hpp"

#include <iostream>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "hub/core/no_throw.hpp"
#include "cli/agent_link.hpp"
#include "cli/command_error.hpp"
#include "cli/console.hpp"
#include "cli/json_output.hpp"
#include "cli/json_read.hpp"
#include "cli/messages.hpp"
#include "cli/network_error.hpp"
#include "cli/time_text.hpp"

namespace mi::cli {

namespace asio = boost::asio;

namespace {
constexpr std::chrono::seconds kIdleTimeout{30};
constexpr std::chrono::seconds kRedrawPeriod{1};
constexpr std::chrono::hours kNoTick{24};
constexpr int kServiceRestart = 1012;
// Too slow, or the colony's event history changed: come back for a fresh snapshot.
constexpr int kTakeSnapshot = 4009;
// Moves the cursor home and clears the screen: the table is drawn afresh in place.
constexpr std::string_view kClearScreen = "\x1b[H\x1b[2J";
}  // namespace

ColonyWatch::ColonyWatch(asio::any_io_executor executor, AdminApi admin, std::string colony, WatchOutput output)
    : admin_(std::move(admin)), view_(std::move(colony)), output_(output), ws_(executor), retry_timer_(executor) {}

void ColonyWatch::stop() {
  stopping_ = true;
  if (live_ != nullptr) {
    live_->request_close();
  } else {
    ws_.abort();
  }
  retry_timer_.cancel();
}

void ColonyWatch::notify(const std::string& state, const std::string& sentence) {
  if (output_ == WatchOutput::redraw) {
    // The screen's header already says that the view is live; only trouble needs a line.
    connection_note_ = state == "watching" ? "" : sentence;
    if (have_view_) show(last_event_);
    return;
  }
  report_state(false, state, sentence);
}

void ColonyWatch::show(const std::string& what_happened) {
  const auto now = now_ms();
  switch (output_) {
    case WatchOutput::json:
      print_line(view_.json());
      return;
    case WatchOutput::lines:
      std::cout << iso_time(now) << " #" << view_.seq() << " " << what_happened << "\n"
                << view_.render_table(now) << std::endl;
      return;
    case WatchOutput::redraw: {
      std::size_t online = 0;
      for (const auto& record : view_.agents()) online += record.agent.status == "online" ? 1 : 0;
      const std::size_t agents = view_.agents().size();
      std::cout << kClearScreen << "Colony " << view_.colony() << " at " << admin_.hub().text() << ": " << agents
                << (agents == 1 ? " agent, " : " agents, ") << online << " online (live; Ctrl-C to stop)\n\n"
                << view_.render_table(now) << "\n"
                << "Last event #" << view_.seq() << ": " << what_happened << "\n";
      if (!connection_note_.empty()) std::cout << connection_note_ << "\n";
      std::cout << std::flush;
      return;
    }
  }
}

bool ColonyWatch::read_snapshot_agents(const std::string& frame, std::vector<protocol::Agent>& parsed,
                                       std::vector<AgentRecord>& into) {
  auto jsons = raw_elements(frame, "agents").value_or(std::vector<std::string>{});
  if (jsons.size() != parsed.size()) return false;
  for (std::size_t index = 0; index < jsons.size(); ++index) {
    into.push_back({std::move(parsed[index]), std::move(jsons[index])});
  }
  return true;
}

void ColonyWatch::on_message(const std::string& text) {
  auto message = protocol::parse_server_message(text);
  if (!message) return;
  if (message->type == "snapshot_part" && partial_) {
    if (message->seq != partial_->seq || message->part != partial_->next_part ||
        !read_snapshot_agents(text, message->agents, partial_->agents)) {
      // Drop this connection; the next one asks for a whole snapshot again.
      notify("disconnected", "the hub at " + admin_.hub().text() + " sent a snapshot part that mi cannot read");
      partial_.reset();
      resumable_ = false;
      ws_.abort();
      return;
    }
    if (++partial_->next_part <= partial_->parts) return;
    view_.reset(partial_->seq, std::move(partial_->agents));
    partial_.reset();
    last_event_ = "snapshot";
    show(last_event_);
    return;
  }
  // Events follow the last part; none is applied to a view still coming in.
  if (message->type != "event" || partial_) return;
  // The hub closes with 4009 before anything of another epoch; a seq counts only within its own.
  if (!epoch_.empty() && !message->epoch.empty() && message->epoch != epoch_) return;
  last_event_ = view_.apply(*message, raw_member(text, "agent").value_or("null"));
  show(last_event_);
}

asio::awaitable<void> ColonyWatch::watch_once() {
  const std::string token = co_await admin_.watch_token(view_.colony());
  co_await ws_.connect(admin_.hub(), kConnectTimeout);
  JsonObject request;
  request.add("type", "watch").add("id", 1).add("colony", view_.colony()).add("token", token);
  if (have_view_ && resumable_) {
    request.add("since", static_cast<std::int64_t>(view_.seq()));
    if (!epoch_.empty()) request.add("epoch", epoch_);
  }
  HubReply answer = co_await request_reply(ws_, admin_.hub(), request.text(), "1");
  auto& reply = answer.message;

  partial_.reset();
  if (reply.type == "snapshot") {
    std::vector<AgentRecord> agents;
    if (!read_snapshot_agents(answer.frame, reply.agents, agents)) {
      throw refusal("bad_reply", "The hub at " + admin_.hub().text() + " sent a snapshot that mi cannot read.");
    }
    if (reply.parts > 1) {
      partial_ = PartialSnapshot{reply.seq, reply.parts, 2, std::move(agents)};
    } else {
      view_.reset(reply.seq, std::move(agents));
    }
    epoch_ = reply.epoch;
    last_event_ = "snapshot";
  } else if (reply.type != "resume") {
    if (reply.code == "unauthorized" || !have_view_) {
      AdminRefusal refusal_info;
      refusal_info.hub = admin_.hub().text();
      refusal_info.code = reply.code;
      refusal_info.message = reply.message;
      refusal_info.token_given = true;
      refusal_info.subject = "colony " + view_.colony();
      throw admin_refusal(refusal_info);
    }
    throw NetworkError(admin_.hub().text(), short_refusal(reply.code, reply.message));
  }
  const bool resumed = reply.type == "resume";
  if (resumed) epoch_ = reply.epoch;
  have_view_ = true;
  resumable_ = true;
  const auto connected_at = std::chrono::steady_clock::now();
  notify("watching", std::string(resumed ? "resumed" : "watching") + " colony " + view_.colony() + " at " +
                         admin_.hub().text() + " (event #" + std::to_string(view_.seq()) + ")");
  if (!resumed && !partial_) show(last_event_);

  LiveConnection::Handlers handlers;
  handlers.on_message = [this](const std::string& text) { on_message(text); };
  handlers.tick_period = output_ == WatchOutput::redraw ? std::chrono::steady_clock::duration(kRedrawPeriod)
                                                        : std::chrono::steady_clock::duration(kNoTick);
  handlers.on_tick = [this]() -> asio::awaitable<bool> {
    show(last_event_);  // the "last seen" ages move on even when nothing happens
    co_return true;
  };
  LiveConnection live(ws_, std::move(handlers), kIdleTimeout);
  live_ = &live;
  // A stop that came while connecting could not reach this connection yet.
  if (stopping_) live.request_close();
  co_await live.run();
  live_ = nullptr;
  if (std::chrono::steady_clock::now() - connected_at >= Backoff::kStableConnection) backoff_.reset();
}

asio::awaitable<void> ColonyWatch::run() {
  while (!stopping_) {
    std::string sentence;
    std::optional<int> close_code;
    try {
      co_await watch_once();
      close_code = ws_.disconnection().close_code;
      if (close_code == kTakeSnapshot) resumable_ = false;
      sentence = "disconnected (" + ws_.disconnection().description + ")";
    } catch (const NetworkError& error) {
      if (stopping_) break;
      // Before the first view there is nothing to keep live: say so and stop. A certificate
      // that fails then is a setup to fix (a missing --ca-file, the wrong host name); later, it
      // may be in the middle of a renewal, and is retried like any lost connection.
      if (!have_view_) {
        if (const auto* untrusted = dynamic_cast<const UntrustedHub*>(&error)) throw untrusted_hub(*untrusted);
        throw unreachable(error);
      }
      sentence = "could not reach " + error.hub() + " (" + error.detail() + ")";
    } catch (const CommandError& error) {
      if (stopping_) break;
      // A store outage passes; any other refusal (a revoked admin token, say) will not.
      if (!have_view_ || error.code() != "unavailable") throw;
      sentence = "the hub's data store is unavailable";
    }
    if (stopping_) break;
    const auto delay = close_code == kServiceRestart ? backoff_.after_restart() : backoff_.next();
    notify("disconnected", sentence + "; resuming in " + duration_text(delay));
    retry_timer_.expires_after(delay);
    co_await retry_timer_.async_wait(kNoThrow);
  }
}

}  // namespace mi::cli
