#include "cli/agent_session.hpp"

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
#include "protocol/client_message.hpp"

namespace mi::cli {

namespace asio = boost::asio;

namespace {
// A hub that sends nothing (not even a pong to the pings this triggers) for this long is gone.
constexpr std::chrono::seconds kIdleTimeout{30};
constexpr int kServiceRestart = 1012;
}  // namespace

AgentSession::AgentSession(asio::any_io_executor executor, AgentSessionOptions options)
    : options_(std::move(options)), ws_(executor), retry_timer_(executor) {}

std::string AgentSession::label() const { return agent_label(options_.credentials); }

void AgentSession::stop(const std::string& why) {
  if (stopping_) return;
  stopping_ = true;
  report_state(options_.json, "stopping", why + "; closing the connection");
  if (live_ != nullptr) {
    live_->request_close();
  } else {
    ws_.abort();
  }
  retry_timer_.cancel();
}

asio::awaitable<void> AgentSession::run() {
  const auto socket = control_socket_path(options_.credentials_file);
  control_ = std::make_shared<ControlServer>(
      ws_.executor(), socket, [session = weak_from_this()](std::string hub, std::string request) {
        return relay_for(session, std::move(hub), std::move(request));
      });
  const std::string not_listening = control_->start();
  const std::string commands = not_listening.empty()
                                   ? "; the agent's chat, status and clone commands go through " + socket.string()
                                   : "; no control socket of its own (" + not_listening + ")";
  report_state(options_.json, "starting",
               "keeping " + label() + " online through " + options_.hub.text() + ", a heartbeat every " +
                   duration_text(options_.heartbeat_interval) + commands,
               JsonObject().add("colony", options_.credentials.colony).add("agent", options_.credentials.agent));
  while (!stopping_) {
    Attempt attempt = co_await connect_once();
    if (stopping_) break;
    if (attempt.signed_in && attempt.lasted >= Backoff::kStableConnection) backoff_.reset();
    const auto delay = attempt.close_code == kServiceRestart ? backoff_.after_restart() : backoff_.next();
    JsonObject fields;
    fields.add("colony", options_.credentials.colony)
        .add("agent", options_.credentials.agent)
        .add("retry_in_ms", std::chrono::duration_cast<std::chrono::milliseconds>(delay).count());
    if (attempt.close_code) fields.add("close_code", *attempt.close_code);
    report_state(options_.json, attempt.state,
                 attempt.sentence + "; " + (attempt.signed_in ? "reconnecting" : "retrying") + " in " +
                     duration_text(delay),
                 std::move(fields));
    retry_timer_.expires_after(delay);
    co_await retry_timer_.async_wait(kNoThrow);
  }
  control_->stop();
  report_state(options_.json, "stopped", "stopped",
               JsonObject().add("colony", options_.credentials.colony).add("agent", options_.credentials.agent));
}

asio::awaitable<AgentSession::Attempt> AgentSession::connect_once() {
  Attempt attempt;
  HubReply hello;
  try {
    co_await ws_.connect(options_.hub, kConnectTimeout);
    hello = co_await say_hello(ws_, options_.hub, options_.credentials);
  } catch (const NetworkError& error) {
    // A certificate that fails before any connection of this run succeeded means the setup is
    // wrong (no --ca-file for a private CA, a host name the certificate is not for), and
    // retrying would only hide it. Once connected, the same hub's certificate failing is a
    // renewal gone wrong, which its operator will fix: retried like a hub that is away.
    const auto* untrusted = dynamic_cast<const UntrustedHub*>(&error);
    if (untrusted != nullptr && !ever_signed_in_) throw untrusted_hub(*untrusted);
    attempt.state = "unreachable";
    attempt.sentence = "could not connect to " + error.hub() + " (" + error.detail() + ")";
    co_return attempt;
  }
  const auto& reply = hello.message;
  if (reply.type != "welcome") {
    // Credentials the hub does not know will not become valid by retrying.
    if (reply.code == "unauthorized") {
      AgentRefusal refusal_info;
      refusal_info.code = reply.code;
      refusal_info.message = reply.message;
      refusal_info.hub = options_.hub.text();
      refusal_info.agent = label();
      refusal_info.credentials_file = options_.credentials_file.string();
      throw agent_refusal(refusal_info);
    }
    attempt.state = "rejected";
    attempt.sentence = short_refusal(reply.code, reply.message);
    co_return attempt;
  }

  attempt.signed_in = true;
  ever_signed_in_ = true;
  const auto connected_at = std::chrono::steady_clock::now();
  // The hub says how long it waits for a frame before the agent is Offline: a heartbeat comes at
  // least three times in that time, whatever --interval says, or the agent would flap between
  // Online and Offline (a hub run with a TTL of seconds, as in tests, against the 30 s default).
  auto period = options_.heartbeat_interval;
  std::string pace;
  if (reply.presence_ttl_ms && *reply.presence_ttl_ms > 0) {
    const std::chrono::steady_clock::duration ttl = std::chrono::milliseconds(*reply.presence_ttl_ms);
    if (ttl / 3 < period) {
      period = std::max<std::chrono::steady_clock::duration>(ttl / 3, std::chrono::milliseconds(50));
      pace = "; a heartbeat every " + duration_text(period) + ", as the hub puts an agent Offline after " +
             duration_text(ttl) + " without one";
    }
  }
  JsonObject fields;
  fields.add("colony", options_.credentials.colony).add("agent", options_.credentials.agent);
  fields.add("heartbeat_ms", std::chrono::duration_cast<std::chrono::milliseconds>(period).count());
  if (auto agent = raw_member(hello.frame, "agent")) fields.add_raw("agent_state", *agent);
  report_state(options_.json, "connected", "connected as " + label() + pace, std::move(fields));

  LiveConnection::Handlers handlers;
  handlers.on_message = [this](const std::string& text) { on_message(text); };
  handlers.tick_period = period;
  handlers.on_tick = [this]() { return send_tick(); };
  LiveConnection live(ws_, std::move(handlers), kIdleTimeout);
  live_ = &live;
  // A stop that came while signing in could not reach this connection yet.
  if (stopping_) live.request_close();
  co_await live.run();
  live_ = nullptr;
  end_relays("the connection to the hub ended (" + ws_.disconnection().description + ") before its answer");

  attempt.lasted = std::chrono::steady_clock::now() - connected_at;
  attempt.close_code = ws_.disconnection().close_code;
  attempt.state = "disconnected";
  attempt.sentence = "disconnected (" + ws_.disconnection().description + ")";
  co_return attempt;
}

asio::awaitable<std::string> AgentSession::relay_for(std::weak_ptr<AgentSession> session, std::string hub,
                                                    std::string request) {
  auto self = session.lock();
  if (!self) co_return control_not_relayed("the daemon is stopping");
  co_return co_await self->relay(std::move(hub), std::move(request));
}

asio::awaitable<std::string> AgentSession::relay(std::string hub, std::string request) {
  if (hub != options_.hub.text()) {
    co_return control_not_relayed("this daemon keeps the agent online through " + options_.hub.text() + ", not " + hub);
  }
  if (live_ == nullptr || stopping_) co_return control_not_relayed("the daemon is not connected to the hub right now");
  protocol::ClientMessageParser parser;
  auto parsed = parser.parse(request);
  auto* message = std::get_if<protocol::ClientMessage>(&parsed);
  auto pending = std::make_shared<Relay>(ws_.executor());
  const std::string number = std::to_string(++relays_made_);
  pending->request_id = "\"relay-" + number + "\"";
  JsonObject frame;
  if (message == nullptr) {
    co_return control_not_relayed("the request is not one that mi sends");
  } else if (auto* chat = std::get_if<protocol::ChatRequest>(&message->request)) {
    frame.add("type", "chat").add_raw("id", pending->request_id).add("text", chat->text);
  } else if (auto* status = std::get_if<protocol::StatusRequest>(&message->request)) {
    frame.add("type", "status").add_raw("id", pending->request_id).add_raw("meta", status->meta_json);
  } else if (std::holds_alternative<protocol::CloneRequest>(message->request)) {
    frame.add("type", "clone").add_raw("id", pending->request_id);
  } else {
    co_return control_not_relayed("the daemon relays chat, status and clone only");
  }
  pending->frames.push_back(frame.text());
  if (!std::holds_alternative<protocol::CloneRequest>(message->request)) {
    // Chat and status have no answer on success: the pong of a ping sent after them comes only
    // once the hub has dealt with them (an error about them comes first).
    pending->confirm_id = "\"relay-" + number + "-done\"";
    pending->frames.push_back(JsonObject().add("type", "ping").add_raw("id", pending->confirm_id).text());
  }
  relays_.push_back(pending);
  outbox_.push_back(pending);
  live_->tick_now();
  pending->wake.expires_after(kReplyTimeout);
  co_await pending->wake.async_wait(kNoThrow);
  relays_.remove(pending);
  std::erase(outbox_, pending);
  if (pending->answer) co_return control_relayed(*pending->answer);
  if (!pending->sent) co_return control_not_relayed("the connection to the hub ended before the request was sent");
  co_return control_lost(pending->lost.empty() ? "the hub did not answer within " + duration_text(kReplyTimeout)
                                               : pending->lost);
}

asio::awaitable<bool> AgentSession::send_tick() {
  // A relayed request is a frame like any other: it keeps the agent Online as a heartbeat would.
  if (outbox_.empty()) co_return co_await ws_.send(R"({"type":"heartbeat"})");
  while (!outbox_.empty()) {
    auto pending = outbox_.front();
    outbox_.pop_front();
    pending->sent = true;
    for (const auto& frame : pending->frames) {
      const bool written = co_await ws_.send(frame);
      if (!written) co_return false;
    }
  }
  co_return true;
}

void AgentSession::end_relays(const std::string& why) {
  outbox_.clear();
  for (auto& pending : relays_) {
    pending->lost = why;
    pending->wake.cancel();
  }
}

void AgentSession::on_message(const std::string& text) {
  auto message = protocol::parse_server_message(text);
  if (!message) return;
  if (message->id_json) {
    for (auto& pending : relays_) {
      if (*message->id_json == pending->request_id || *message->id_json == pending->confirm_id) {
        if (!pending->answer) pending->answer = text;
        pending->wake.cancel();
        return;
      }
    }
  }
  // Agents are members of their colony's group chat; the other events are for watchers.
  if (message->type != "event" || message->event != "chat") return;
  const std::string from = message->from.value_or("?");
  const std::string chat_text = message->text.value_or("");
  if (options_.json) {
    print_line(JsonObject()
                   .add("time", iso_time(message->ts))
                   .add("event", "chat")
                   .add("colony", message->colony)
                   .add("from", from)
                   .add("text", chat_text)
                   .text());
  } else {
    print_line(iso_time(message->ts) + " " + from + ": " + chat_text);
  }
}

}  // namespace mi::cli
