#include "hub/session/ws_session.hpp"

#include <algorithm>
#include <chrono>
#include <span>
#include <utility>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>

#include "hub/core/clock.hpp"
#include "hub/core/crypto.hpp"
#include "hub/core/event_history_guard.hpp"
#include "hub/core/log.hpp"
#include "hub/core/no_throw.hpp"
#include "hub/core/steady_clock.hpp"
#include "hub/core/user_messages.hpp"
#include "hub/session/agent_actions.hpp"
#include "protocol/event_header.hpp"
#include "protocol/server_message.hpp"
#include "protocol/validation.hpp"

namespace mi::hub {

namespace asio = boost::asio;
namespace websocket = protocol::websocket;

namespace {
// How long a failed agent disconnect keeps being retried while Redis is away; past it, the sweep
// of lost hubs is what puts the agent offline.
constexpr auto kDisconnectRetryPeriod = std::chrono::seconds(1);
constexpr int kDisconnectRetries = 300;
// Events read from a stream per round trip when resuming or filling a gap.
constexpr std::size_t kEventPageSize = 1000;
// A gap is filled over the shard's command link, which may come back from an outage after the
// event subscription did (each link reconnects on its own, at most --redis-reconnect-max apart):
// the read is tried again for a while before the watcher is sent away with 1013.
constexpr auto kFillRetryPeriod = std::chrono::milliseconds(250);
constexpr int kFillAttempts = 20;

}  // namespace

void WsSession::send_text(std::string_view json) {
  send(std::make_shared<const std::string>(websocket::encode_text_frame(json)));
}

void WsSession::send_error(std::string_view code, std::string_view message, const std::optional<std::string>& id,
                           std::optional<std::int64_t> retry_after_seconds) {
  shard_.context().metrics.ws_errors_sent.fetch_add(1, std::memory_order_relaxed);
  send_text(protocol::serialize_ws_error(code, message, id, retry_after_seconds));
}

void WsSession::check_deadlines(std::int64_t now) {
  if (handshake_.terminated()) return;
  const auto& config = shard_.context().config;
  if (role_ == Role::pending && !handling_request_ && now - opened_at_ > config.auth_timeout.count()) {
    close(websocket::close_code::policy, "no onboard, hello or watch in time", EndReason::closed);
  }
  if (role_ == Role::agent && now - last_frame_ > config.presence_ttl.count()) {
    // Silent for a whole TTL: the peer is presumed gone, so no closing handshake is attempted.
    log::info("agent ", colony_, "/", agent_id_, " sent nothing for ", config.presence_ttl.count(), " ms");
    terminate(EndReason::timeout);
    return;
  }
  if (write_started_ != 0 && now - write_started_ > config.write_timeout.count()) {
    log::info("closing ", remote_address_, ": one message took over ", config.write_timeout.count(), " ms to send");
    terminate(EndReason::closed);
    return;
  }
  if (handshake_.closing()) carry_out(handshake_.check_deadline(now, config.handshake_timeout.count()));
}

void WsSession::close_for_drain() { close(1012, "hub restarting", EndReason::drained); }

std::int64_t WsSession::last_frame_wall_ms() const { return now_ms() - (steady_ms() - last_frame_); }

// The heartbeat as clients send it, recognised without a JSON parse: it is most of the traffic.
constexpr std::string_view kPlainHeartbeat = R"({"type":"heartbeat"})";

std::unique_ptr<protocol::ClientMessage> WsSession::handle_text(std::string_view text) {
  if (text == kPlainHeartbeat && role_ != Role::pending) return nullptr;
  auto parsed = shard_.parser().parse(text);
  if (auto* error = std::get_if<protocol::ParseError>(&parsed)) {
    // Before the first message, a request of any other type is unauthorized however it is
    // malformed; a first message with a bad field, or JSON that cannot be read, says what is wrong.
    bool first_message_type = error->type == "onboard" || error->type == "hello" || error->type == "watch";
    if (role_ == Role::pending && error->code == "bad_request" && !first_message_type) {
      send_error("unauthorized", user_messages::kUnauthorizedFirstMessage, error->id_json);
    } else {
      send_error(error->code, error->message, error->id_json);
    }
    return nullptr;
  }
  auto& message = std::get<protocol::ClientMessage>(parsed);
  const auto& id = message.id_json;
  const auto& request = message.request;
  if (role_ == Role::pending) {
    if (std::holds_alternative<protocol::OnboardRequest>(request) ||
        std::holds_alternative<protocol::HelloRequest>(request) ||
        std::holds_alternative<protocol::WatchRequest>(request)) {
      return std::make_unique<protocol::ClientMessage>(std::move(message));
    }
    send_error("unauthorized", user_messages::kUnauthorizedFirstMessage, id);
    return nullptr;
  }
  if (std::holds_alternative<protocol::HeartbeatRequest>(request)) return nullptr;
  if (std::holds_alternative<protocol::PingRequest>(request)) {
    send_text(protocol::serialize_pong(now_ms(), id));
    return nullptr;
  }
  if (role_ == Role::agent) {
    if (std::holds_alternative<protocol::CloneRequest>(request) ||
        std::holds_alternative<protocol::ChatRequest>(request)) {
      return std::make_unique<protocol::ClientMessage>(std::move(message));
    }
    if (auto* status = std::get_if<protocol::StatusRequest>(&request)) {
      handle_status(*status);
      return nullptr;
    }
  }
  std::string signed_in_as = role_ == Role::agent ? "agent " + colony_ + "/" + agent_id_ : "a watcher of " + colony_;
  send_error("bad_request",
             "\"" + std::string(protocol::request_type_name(request)) + "\" is not available: this socket is " +
                 signed_in_as + ".",
             id);
  return nullptr;
}

asio::awaitable<void> WsSession::handle_request(std::unique_ptr<protocol::ClientMessage> message) {
  const auto& id = message->id_json;
  auto& request = message->request;
  handling_request_ = true;
  if (auto* onboard = std::get_if<protocol::OnboardRequest>(&request)) {
    co_await handle_onboard(*onboard, id);
  } else if (auto* hello = std::get_if<protocol::HelloRequest>(&request)) {
    co_await handle_hello(*hello, id);
  } else if (auto* watch = std::get_if<protocol::WatchRequest>(&request)) {
    co_await handle_watch(*watch, id);
  } else if (std::holds_alternative<protocol::CloneRequest>(request)) {
    co_await handle_clone(id);
  } else if (auto* chat = std::get_if<protocol::ChatRequest>(&request)) {
    co_await handle_chat(*chat, id);
  }
  handling_request_ = false;
}

asio::awaitable<void> WsSession::handle_onboard(const protocol::OnboardRequest& request,
                                                const std::optional<std::string>& id) {
  auto& context = shard_.context();
  auto& redis = shard_.redis();
  auto started = std::chrono::steady_clock::now();

  auto over = co_await context.onboard_limiter.over_budget(redis, remote_address_, now_ms());
  if (auto* error = std::get_if<ApiError>(&over)) {
    send_error(error->code, error->message, id);
    co_return;
  }
  if (const auto& retry_after_ms = std::get<std::optional<std::int64_t>>(over)) {
    // Not counted as a failure: only judged attempts are, so waiting as told lets one back in.
    context.metrics.onboard_rate_limited.fetch_add(1, std::memory_order_relaxed);
    const auto seconds = std::max<std::int64_t>(1, (*retry_after_ms + 999) / 1000);
    send_error("rate_limited", user_messages::rate_limited_for(seconds), id, seconds);
    co_return;
  }

  // Every bad code takes the same path length and answers after the same floor, so that neither
  // the reply nor its timing tells an unknown code from a used or revoked one.
  Outcome<RedeemedAgent> outcome = ApiError{404, "invalid_code", ""};
  auto code = protocol::normalize_invite_code(request.code);
  std::string colony;
  if (code) {
    auto found = co_await context.invites.colony_of(redis, *code);
    if (auto* error = std::get_if<ApiError>(&found)) {
      outcome = *error;
    } else if (auto& maybe_colony = std::get<std::optional<std::string>>(found)) {
      colony = *maybe_colony;
      connection_id_ = shard_.next_connection_id();
      outcome = co_await context.agents.redeem(redis, colony, *code, request.name, connection_id_, context.instance);
    }
  }

  if (auto* error = std::get_if<ApiError>(&outcome)) {
    bool bad_code = error->code == "invalid_code" || error->code == "wrong_invite_type";
    if (!bad_code) {
      if (error->code == "unavailable" && !colony.empty()) abandon_connection(colony);
      send_error(error->code, error->message, id);
      co_return;
    }
    context.metrics.onboard_failures.fetch_add(1, std::memory_order_relaxed);
    co_await context.onboard_limiter.count_failure(redis, remote_address_, now_ms());
    asio::steady_timer delay(transport_.socket().get_executor());
    delay.expires_at(started + context.config.onboard_fail_delay);
    co_await terminable_wait(delay);
    send_error(error->code,
               error->code == "invalid_code" ? user_messages::kInvalidCode : user_messages::kWrongInviteType, id);
    co_return;
  }

  auto& agent = std::get<RedeemedAgent>(outcome);
  co_await wait_for_replicas_before_answering("invite " + *code + " redeemed");
  become_agent(colony, agent.agent_id, sha256_hex(AgentToken::parse(agent.token)->secret));
  context.metrics.invites_redeemed.fetch_add(1, std::memory_order_relaxed);
  context.metrics.events_published.fetch_add(1, std::memory_order_relaxed);
  log::info("agent ", colony_, "/", agent_id_, " onboarded with invite ", *code, " from ", remote_address_);
  send_text(protocol::serialize_welcome(colony_, agent.agent_json, agent.token, id, context.config.presence_ttl.count()));
}

asio::awaitable<void> WsSession::handle_hello(const protocol::HelloRequest& request,
                                              const std::optional<std::string>& id) {
  auto& context = shard_.context();
  auto token = AgentToken::parse(request.token);
  if (!token) {
    send_error("unauthorized", "This agent token is malformed: use the token that onboarding returned.", id);
    co_return;
  }
  connection_id_ = shard_.next_connection_id();
  auto secret_sha256 = sha256_hex(token->secret);
  auto outcome = co_await context.agents.connect(shard_.redis(), token->colony, token->agent_id, secret_sha256,
                                                 connection_id_, context.instance);
  if (auto* error = std::get_if<ApiError>(&outcome)) {
    if (error->code == "unavailable") abandon_connection(token->colony);
    send_error(error->code, error->message, id);
    co_return;
  }
  become_agent(token->colony, token->agent_id, std::move(secret_sha256));
  send_text(protocol::serialize_welcome(colony_, std::get<ConnectedAgent>(outcome).agent_json, std::nullopt, id,
                                       context.config.presence_ttl.count()));
}

void WsSession::become_agent(std::string colony, std::string agent_id, std::string secret_sha256) {
  const auto& config = shard_.context().config;
  role_ = Role::agent;
  secret_sha256_ = std::move(secret_sha256);
  colony_ = std::move(colony);
  agent_id_ = std::move(agent_id);
  last_refresh_ = steady_ms();
  refreshed_frame_ = last_frame_;
  chat_budget_.emplace(config.chat_per_second, static_cast<double>(config.chat_burst));
  shard_.context().metrics.sessions_agents.fetch_add(1, std::memory_order_relaxed);
  // Agents are members of the colony's group chat.
  in_colony_ = true;
  shard_.join_colony(colony_, *this, Shard::Membership::agent, [] {});
}

void WsSession::reassert() {
  if (role_ != Role::agent || handshake_.terminated()) return;
  // A new connection id: the sweep may still be putting the old one offline, and must not
  // remove the connection marked here. The old one goes with it, wherever it is still listed.
  auto replaced = std::exchange(connection_id_, shard_.next_connection_id());
  asio::co_spawn(
      transport_.socket().get_executor(),
      [self = shared_from_this(), replaced = std::move(replaced)]() -> asio::awaitable<void> {
        auto& context = self->shard_.context();
        auto outcome = co_await context.agents.connect(self->shard_.redis(), self->colony_, self->agent_id_,
                                                       self->secret_sha256_, self->connection_id_, context.instance,
                                                       replaced);
        if (failed(outcome)) log::warn("could not re-assert agent ", self->colony_, "/", self->agent_id_);
      },
      asio::detached);
}

void WsSession::end_if_removed(const std::string& agent_id) {
  if (role_ != Role::agent || agent_id != agent_id_ || handshake_.terminated()) return;
  close(4003, "this agent was removed from the colony", EndReason::closed);
}

std::optional<std::vector<std::string>> WsSession::presence_refresh_command(std::int64_t now, std::int64_t ttl_ms) {
  if (role_ != Role::agent || handshake_.terminated()) return std::nullopt;
  if (last_frame_ <= refreshed_frame_ || now - last_refresh_ < ttl_ms / 4) return std::nullopt;
  last_refresh_ = now;
  refreshed_frame_ = last_frame_;
  return std::vector<std::string>{"SET", shard_.context().keys.colony_alive(colony_, agent_id_),
                                  std::to_string(last_frame_wall_ms()), "PX", std::to_string(ttl_ms)};
}

asio::awaitable<void> WsSession::handle_watch(const protocol::WatchRequest& request,
                                              const std::optional<std::string>& id) {
  auto& context = shard_.context();
  const auto& config = context.config;
  bool admin = constant_time_equal(sha256_hex(request.token), sha256_hex(context.admin_token));
  if (!admin && !context.watch_tokens.verify(request.token, request.colony, now_ms())) {
    send_error("unauthorized", "This watch token is not valid for colony " + request.colony + " (or has expired).", id);
    co_return;
  }
  role_ = Role::watcher;
  sequencer_ = std::make_unique<EventSequencer>();
  colony_ = request.colony;
  queue_.set_max_bytes(config.watcher_queue_bytes);
  context.metrics.sessions_watchers.fetch_add(1, std::memory_order_relaxed);

  // Subscribe first, then read the state: an event is then either in the snapshot or arrives
  // live after it (the sequencer drops what the snapshot already covers). The wait for the
  // subscription ends when it is live, when the session terminates, or when the timer expires.
  // The router may keep the callback past this coroutine, which owns the timer: the callback
  // reaches the timer only while it exists.
  in_colony_ = true;
  auto live_wait = std::make_shared<asio::steady_timer>(transport_.socket().get_executor(),
                                                        config.redis_command_timeout + config.redis_connect_timeout);
  shard_.join_colony(colony_, *this, Shard::Membership::watcher,
                     [session = weak_from_this(), timer = std::weak_ptr(live_wait)] {
                       if (auto self = session.lock()) self->subscription_live_ = true;
                       if (auto waiting = timer.lock()) waiting->cancel();
                     });
  if (!subscription_live_) co_await terminable_wait(*live_wait);
  if (handshake_.terminated()) co_return;
  if (!subscription_live_) {
    // Still a watcher: once the subscription comes, the catch-up brings the state.
    send_error("unavailable", "The hub cannot subscribe to this colony's events right now; retry in a moment.", id);
    close(1013, "event subscription unavailable", EndReason::closed);
    co_return;
  }

  auto& agents = context.agents;
  if (request.since) {
    auto page = co_await agents.read_events(shard_.redis(), colony_, *request.since, kEventPageSize);
    if (auto* error = std::get_if<ApiError>(&page)) {
      send_error(error->code, error->message, id);
      close(1013, "store unavailable", EndReason::closed);
      co_return;
    }
    auto& events = std::get<EventsPage>(page);
    // A resume continues the history the watcher has: the same epoch (a client that sends none
    // predates epochs, and is trusted as before), a since that this history reached, and every
    // event after it still held. Anything else gets a fresh snapshot.
    bool same_history = !request.epoch || *request.epoch == events.epoch;
    if (same_history && events.complete && *request.since <= events.current_seq) {
      send_text(protocol::serialize_resume(colony_, *request.since, events.epoch, id));
      start_sequence(*request.since, events.epoch);
      for (auto& json : events.events) {
        if (!handshake_.may_send()) co_return;
        if (auto event = make_colony_event(colony_, json)) deliver(sequencer_->offer(std::move(event)));
      }
      if (events.events.size() == kEventPageSize || sequencer_->has_gap()) catch_up();
      co_return;
    }
  }
  auto shared_snapshot = co_await shard_.snapshots().read(shard_.redis(), colony_);
  const auto& snapshot = *shared_snapshot;
  if (auto* error = std::get_if<ApiError>(&snapshot.outcome)) {
    send_error(error->code, error->message, id);
    close(1013, "store unavailable", EndReason::closed);
    co_return;
  }
  auto& state = std::get<ColonySnapshot>(snapshot.outcome);
  const std::span<const std::string> snapshot_agents(state.agent_jsons);
  auto first_part = snapshot_agents.first(std::min(snapshot_agents.size(), snapshot.part_agents));
  send_text(protocol::serialize_snapshot(colony_, state.seq, state.epoch, first_part, snapshot.parts, id));
  // Events that come while the parts go are held by the sequencer, which starts after the last.
  for (const auto& part : snapshot.later_parts) {
    const bool may_send = co_await wait_for_room(part->size());
    if (!may_send) co_return;
    send(part);
  }
  start_sequence(state.seq, state.epoch);
}

void WsSession::start_sequence(std::uint64_t seq, const std::string& epoch) {
  deliver(sequencer_->start(seq, epoch));
  if (epoch_required_at_start_ && (epoch_required_at_start_->empty() || *epoch_required_at_start_ != epoch)) {
    close_for_new_epoch();
  }
}

void WsSession::on_event(const SharedEvent& event) {
  if (!handshake_.may_send()) return;
  if (role_ == Role::agent) {
    if (event->is_chat) send(event->frame);
    return;
  }
  if (role_ != Role::watcher) return;
  if (sequencer_->take_in_order(std::span(&event, 1))) {
    send(event->frame);
    return;
  }
  deliver(sequencer_->offer(event));
  if (sequencer_->held_bytes() > shard_.context().config.watcher_queue_bytes) {
    shard_.context().metrics.ws_slow_closes.fetch_add(1, std::memory_order_relaxed);
    close(4009, "too slow: events waiting over the queue bound", EndReason::closed);
  }
}

void WsSession::on_events(std::span<const SharedEvent> events, const SharedMessage& joined) {
  if (!handshake_.may_send() || role_ != Role::watcher) return;
  if (sequencer_->take_in_order(events)) {
    send(joined, events.size());
    return;
  }
  for (const auto& event : events) on_event(event);
}

void WsSession::deliver(EventSequencer::Release release) {
  for (auto& event : release.deliver) send(event->frame);
  if (release.epoch_changed) {
    close_for_new_epoch();
    return;
  }
  if (release.gap) catch_up();
}

void WsSession::close_for_new_epoch() {
  if (!handshake_.may_send()) return;
  shard_.context().metrics.ws_epoch_closes.fetch_add(1, std::memory_order_relaxed);
  close(4009, "the colony's event history changed (a new epoch); watch again for a snapshot", EndReason::closed);
}

void WsSession::leave_broken_history(const std::string& current_epoch) {
  if (role_ != Role::watcher || !sequencer_) return;
  if (!sequencer_->started()) {
    // Still reading its snapshot or resume: it answers first, and closes then only if what it
    // read is not of the current epoch (a read that began before the renewal).
    epoch_required_at_start_ = current_epoch;
    return;
  }
  if (!current_epoch.empty() && sequencer_->epoch() == current_epoch) return;
  close_for_new_epoch();
}

void WsSession::catch_up() {
  if (role_ != Role::watcher || !sequencer_ || !sequencer_->started() || filling_ || handshake_.terminated()) return;
  filling_ = true;
  asio::co_spawn(transport_.socket().get_executor(), [self = shared_from_this()] { return self->fill_gaps(); }, asio::detached);
}

// Reads the events after the last delivered one from the colony's stream until nothing is
// missing. A watcher too far behind for the stream to hold what it missed is closed with 4009:
// it comes back without `since` and gets a fresh snapshot.
asio::awaitable<void> WsSession::fill_gaps() {
  auto& agents = shard_.context().agents;
  for (;;) {
    if (!handshake_.may_send()) break;
    auto page = co_await agents.read_events(shard_.redis(), colony_, sequencer_->delivered_seq(), kEventPageSize);
    for (int attempt = 1; failed(page) && attempt < kFillAttempts && handshake_.may_send(); ++attempt) {
      asio::steady_timer pause(transport_.socket().get_executor(), kFillRetryPeriod);
      if (co_await terminable_wait(pause)) break;
      page = co_await agents.read_events(shard_.redis(), colony_, sequencer_->delivered_seq(), kEventPageSize);
    }
    if (failed(page)) {
      if (handshake_.may_send()) close(1013, "event store unavailable; watch again with since", EndReason::closed);
      break;
    }
    auto& events = std::get<EventsPage>(page);
    auto verdict = judge_stream_head(
        WatcherPlace{sequencer_->epoch(), sequencer_->delivered_seq(), sequencer_->delivered_fingerprint()},
        StreamHead{events.epoch, events.current_seq, events.anchor.empty() ? 0 : event_fingerprint(events.anchor)});
    if (verdict == HistoryVerdict::moved_backwards) {
      // The stream ends below what this watcher has, or holds another event where it is: the
      // history it saw is gone. The router renews the epoch, then closes the colony's watchers on
      // this hub, this one included, so that their next snapshot is of the new epoch.
      shard_.report_moved_backwards(colony_, events.epoch);
      break;
    }
    if (verdict == HistoryVerdict::new_epoch) {
      close_for_new_epoch();
      break;
    }
    if (!events.complete) {
      close(4009, "missed events are no longer held; watch again", EndReason::closed);
      break;
    }
    for (auto& json : events.events) {
      if (!handshake_.may_send()) break;
      if (auto event = make_colony_event(colony_, json)) {
        auto release = sequencer_->offer(std::move(event));
        for (auto& ready : release.deliver) send(ready->frame);
        if (release.epoch_changed) close_for_new_epoch();
      }
    }
    if (!handshake_.may_send()) break;
    if (events.events.size() < kEventPageSize && !sequencer_->has_gap()) break;
    if (events.events.empty()) break;  // held events are ahead of the stream: they arrive live
  }
  filling_ = false;
}

asio::awaitable<void> WsSession::wait_for_replicas_before_answering(const std::string& what) {
  co_await mi::hub::wait_for_replicas_before_answering(shard_, what);
}

asio::awaitable<void> WsSession::handle_clone(const std::optional<std::string>& id) {
  auto outcome = co_await clone_agent(shard_, colony_, agent_id_);
  if (auto* error = std::get_if<ApiError>(&outcome)) {
    send_error(error->code, error->message, id);
    co_return;
  }
  auto& clone = std::get<ClonedAgent>(outcome);
  send_text(protocol::serialize_cloned(clone.agent_json, clone.token, id));
}

asio::awaitable<void> WsSession::handle_chat(const protocol::ChatRequest& request,
                                             const std::optional<std::string>& id) {
  if (!chat_budget_->try_take(steady_ms())) {
    send_error("rate_limited", kChatRateLimited, id);
    co_return;
  }
  auto outcome = co_await post_agent_chat(shard_, colony_, agent_id_, request.text);
  if (auto* error = std::get_if<ApiError>(&outcome)) send_error(error->code, error->message, id);
}

// Status updates coalesce: the latest meta wins, and at most one "update" per agent per
// --status-min-interval goes out (the script enforces it across sockets and hubs).
void WsSession::handle_status(const protocol::StatusRequest& request) {
  pending_meta_ = request.meta_json;
  if (status_publisher_running_) return;
  status_publisher_running_ = true;
  asio::co_spawn(transport_.socket().get_executor(), [self = shared_from_this()] { return self->publish_status(); }, asio::detached);
}

asio::awaitable<void> WsSession::publish_status() {
  auto& context = shard_.context();
  auto interval = context.config.status_min_interval.count();
  while (pending_meta_ && !handshake_.terminated()) {
    auto meta = std::move(*pending_meta_);
    pending_meta_.reset();
    auto outcome = co_await publish_agent_status(shard_, colony_, agent_id_, meta);
    std::int64_t wait_ms = interval;
    if (auto* error = std::get_if<ApiError>(&outcome)) {
      send_error(error->code, error->message, std::nullopt);
    } else if (auto& status = std::get<StatusOutcome>(outcome); !status.published) {
      if (!pending_meta_) pending_meta_ = std::move(meta);
      wait_ms = std::max<std::int64_t>(1, status.retry_after_ms);
    }
    if (!pending_meta_) break;
    asio::steady_timer wait(transport_.socket().get_executor(), std::chrono::milliseconds(wait_ms));
    if (co_await terminable_wait(wait)) break;
  }
  status_publisher_running_ = false;
}

asio::awaitable<void> WsSession::on_end() {
  auto& context = shard_.context();
  if (in_colony_) {
    shard_.leave_colony(colony_, *this, role_ == Role::watcher ? Shard::Membership::watcher : Shard::Membership::agent);
  }
  if (role_ == Role::watcher) context.metrics.sessions_watchers.fetch_sub(1, std::memory_order_relaxed);
  if (role_ != Role::agent) co_return;
  context.metrics.sessions_agents.fetch_sub(1, std::memory_order_relaxed);
  const auto grace = offline_grace_for(handshake_.end_reason(), handshake_.peer_closed_first(),
                                       context.config.offline_grace);
  co_await record_end(colony_, connection_id_, std::string(end_reason_text(handshake_.end_reason())),
                      last_frame_wall_ms(), grace.count());
}

asio::awaitable<void> WsSession::record_end(std::string colony, std::string connection_id, std::string reason,
                                            std::int64_t last_frame, std::int64_t grace_ms) {
  auto& context = shard_.context();
  for (int attempt = 0; attempt < kDisconnectRetries; ++attempt) {
    auto outcome = co_await context.agents.disconnect(shard_.redis(), colony, connection_id, reason, last_frame,
                                                      context.instance, kEndedConnectionMemory.count(), grace_ms);
    if (!failed(outcome)) {
      shard_.remember_end({colony, connection_id, reason, last_frame, steady_ms(), grace_ms});
      co_return;
    }
    if (attempt == 0) log::warn("connection ", connection_id, " of colony ", colony, " ended while Redis is unreachable; retrying");
    asio::steady_timer delay(transport_.socket().get_executor());
    delay.expires_after(kDisconnectRetryPeriod);
    auto [ec] = co_await delay.async_wait(kNoThrow);
    if (ec) break;  // the shard is stopping
  }
  log::error("gave up recording that connection ", connection_id, " of colony ", colony, " ended");
}

void WsSession::abandon_connection(const std::string& colony) {
  // The connect or redemption that got no answer in time may still run when Redis gets to it (a
  // stalled Redis reads it later): end that connection as a close would, with a tombstone, so
  // that whichever runs first, the agent is not left online with no socket.
  asio::co_spawn(transport_.socket().get_executor(),
                 [self = shared_from_this(), colony, connection_id = connection_id_]() -> asio::awaitable<void> {
                   co_await self->record_end(colony, connection_id, "closed", 0, 0);
                 },
                 asio::detached);
}

}  // namespace mi::hub
