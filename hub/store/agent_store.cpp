#include "hub/store/agent_store.hpp"

#include <boost/asio/experimental/awaitable_operators.hpp>

#include "hub/core/clock.hpp"
#include "hub/core/crypto.hpp"
#include "hub/redis/args.hpp"
#include "hub/store/redis_failure.hpp"
#include "protocol/validation.hpp"

namespace mi::hub {

namespace asio = boost::asio;

namespace {
// A connect or redemption that ran after its hub had given up on it (agent_disconnect.lua's
// tombstone): no caller waits for it any more; a retry gets a new connection id.
ApiError connection_already_ended() {
  return describe_redis_failure(mi::redis::make_error_code(mi::redis::Errc::timed_out), nullptr);
}
}  // namespace

std::optional<AgentToken> AgentToken::parse(std::string_view text) {
  auto first = text.find(':');
  if (first == std::string_view::npos) return std::nullopt;
  auto second = text.find(':', first + 1);
  if (second == std::string_view::npos) return std::nullopt;
  AgentToken token{std::string(text.substr(0, first)), std::string(text.substr(first + 1, second - first - 1)),
                   std::string(text.substr(second + 1))};
  if (!protocol::is_valid_colony_id(token.colony) || !protocol::is_valid_agent_name(token.agent_id) ||
      token.secret.empty() || token.secret.size() > 128) {
    return std::nullopt;
  }
  return token;
}

std::optional<HubConnectionEntry> AgentStore::parse_hub_connection_entry(std::string_view entry) {
  auto space = entry.find(' ');
  if (space == std::string_view::npos) return std::nullopt;
  return HubConnectionEntry{std::string(entry.substr(0, space)), std::string(entry.substr(space + 1))};
}

asio::awaitable<redis::Result> AgentStore::list_hub_connection(redis::Connection& redis, const std::string& hub_id,
                                                               const std::string& colony,
                                                               const std::string& connection_id) {
  co_return co_await redis.eval("list_hub_connection", mi::redis::args(keys_.hubs_prefix()),
                                mi::redis::args(hub_id, hub_connection_entry(colony, connection_id),
                                                std::to_string(hub_liveness_ms_), std::to_string(now_ms())));
}

std::string AgentStore::give_up_deadline() const {
  const auto on_redis = redis_clock_.to_redis(now_ms());
  if (!on_redis) return "0";
  return std::to_string(*on_redis + redis_timeout_ms_ - redis_timeout_ms_ / 4);
}

asio::awaitable<Outcome<RedeemedAgent>> AgentStore::redeem(redis::Connection& redis, const std::string& colony,
                                                           const std::string& code,
                                                           const std::optional<std::string>& name,
                                                           const std::string& connection_id,
                                                           const std::string& hub_id) {
  auto secret = random_secret();
  auto listed = co_await list_hub_connection(redis, hub_id, colony, connection_id);
  if (redis_failed(listed)) co_return describe_redis_failure(listed);
  auto result = co_await redis.eval("redeem_invite", mi::redis::args(keys_.colony_prefix(colony)),
                                    mi::redis::args(code, name.value_or(""), std::to_string(now_ms()), sha256_hex(secret),
                                     connection_id, hub_id, colony, event_stream_length_, presence_ttl_ms_,
                                     give_up_deadline()));
  if (redis_failed(result)) co_return describe_redis_failure(result);
  const auto& reply = result.reply;
  if (!reply.is_array() || reply.elements.empty()) co_return unexpected_reply();
  const auto& verdict = reply.elements[0].str;
  if (verdict == "invalid_code") co_return ApiError{404, "invalid_code", ""};
  if (verdict == "wrong_invite_type") co_return ApiError{409, "wrong_invite_type", ""};
  if (verdict == "ended") co_return connection_already_ended();
  if (verdict != "ok" || reply.elements.size() < 4) co_return unexpected_reply();
  RedeemedAgent agent;
  agent.agent_id = reply.elements[1].str;
  agent.agent_json = reply.elements[2].str;
  agent.token = AgentToken{colony, agent.agent_id, secret}.to_string();
  co_return agent;
}

asio::awaitable<Outcome<ConnectedAgent>> AgentStore::connect(redis::Connection& redis, const std::string& colony,
                                                             const std::string& agent_id,
                                                             const std::string& secret_sha256,
                                                             const std::string& connection_id,
                                                             const std::string& hub_id,
                                                             const std::string& replaces) {
  using namespace boost::asio::experimental::awaitable_operators;
  // The hub's record of the connection must come first (so that it is swept if this hub dies),
  // but it need not cost a round trip of its own: both go out at once on the shard's one Redis
  // connection, which Redis runs in order. Their keys are under different hash tags, so they
  // cannot be one script. Going online is on the way from an agent's hello to every watcher.
  // A local, not a conditional inside the co_await expression: GCC 12 destroys a conditional's
  // temporary there twice.
  const std::string deadline = replaces.empty() ? give_up_deadline() : std::string("0");
  auto [listed, result] = co_await (
      list_hub_connection(redis, hub_id, colony, connection_id) &&
      redis.eval("agent_connect", mi::redis::args(keys_.colony_prefix(colony)),
                 mi::redis::args(agent_id, secret_sha256, connection_id, hub_id, std::to_string(now_ms()),
                                 event_stream_length_, replaces, presence_ttl_ms_, deadline)));
  if (redis_failed(result)) co_return describe_redis_failure(redis_failed(listed) ? listed : result);
  const auto& reply = result.reply;
  if (!reply.is_array() || reply.elements.empty()) co_return unexpected_reply();
  if (reply.elements[0].str == "unauthorized") {
    co_return ApiError{401, "unauthorized", "This agent token is not valid: onboard again with a new invite."};
  }
  if (reply.elements[0].str == "ended") co_return connection_already_ended();
  if (redis_failed(listed)) {
    // The agent went online without this hub's record of the connection, so no sweep would put
    // it offline if this hub died: undo it now, as a close would.
    co_await disconnect(redis, colony, connection_id, "closed", 0, hub_id);
    co_return describe_redis_failure(listed);
  }
  if (reply.elements.size() < 2) co_return unexpected_reply();
  if (!replaces.empty()) {
    // Harmless if it stays (a sweep ignores connections that are gone), but the set would grow.
    co_await redis.exec(mi::redis::args("SREM", keys_.hub_connections(hub_id), hub_connection_entry(colony, replaces)));
  }
  co_return ConnectedAgent{reply.elements[1].str};
}

asio::awaitable<Outcome<std::uint64_t>> AgentStore::disconnect(redis::Connection& redis, const std::string& colony,
                                                               const std::string& connection_id,
                                                               const std::string& reason,
                                                               std::int64_t last_frame_ms, const ListedIn& listed_in,
                                                               std::int64_t tombstone_ttl_ms, std::int64_t grace_ms) {
  auto result = co_await redis.eval("agent_disconnect", mi::redis::args(keys_.colony_prefix(colony)),
                                    mi::redis::args(connection_id, reason, std::to_string(last_frame_ms),
                                                    std::to_string(now_ms()), event_stream_length_,
                                                    std::to_string(tombstone_ttl_ms), std::to_string(grace_ms)));
  if (redis_failed(result)) co_return describe_redis_failure(result);
  const auto& reply = result.reply;
  if (!reply.is_array() || reply.elements.size() < 2) co_return unexpected_reply();
  // A grace begun: filed for the lease sweep of any hub, as this one may be on its way down. Were
  // the filing lost, the ghost sweep would settle the grace, only later.
  co_await leases_.file(redis, colony, reply.elements[1].integer);
  // Once the script ran, a stale entry would only be swept again harmlessly; no retry needed.
  co_await redis.exec(mi::redis::args("SREM", listed_in.set_key, hub_connection_entry(colony, connection_id)));
  co_return static_cast<std::uint64_t>(reply.elements[0].integer);
}

asio::awaitable<Outcome<std::uint64_t>> AgentStore::disconnect(redis::Connection& redis, const std::string& colony,
                                                               const std::string& connection_id,
                                                               const std::string& reason,
                                                               std::int64_t last_frame_ms,
                                                               const std::string& hub_id,
                                                               std::int64_t tombstone_ttl_ms, std::int64_t grace_ms) {
  const ListedIn own_hub{keys_.hub_connections(hub_id)};
  co_return co_await disconnect(redis, colony, connection_id, reason, last_frame_ms, own_hub, tombstone_ttl_ms,
                                grace_ms);
}

asio::awaitable<Outcome<std::string>> AgentStore::remove(redis::Connection& redis, const std::string& colony,
                                                         const std::string& agent_id, bool even_if_online) {
  auto result = co_await redis.eval("remove_agent", mi::redis::args(keys_.colony_prefix(colony)),
                                    mi::redis::args(agent_id, even_if_online ? "1" : "0", std::to_string(now_ms()),
                                                    event_stream_length_));
  if (redis_failed(result)) co_return describe_redis_failure(result);
  const auto& reply = result.reply;
  if (!reply.is_array() || reply.elements.empty()) co_return unexpected_reply();
  const auto& verdict = reply.elements[0].str;
  if (verdict == "not_found") co_return ApiError{404, "not_found", "There is no agent " + agent_id + " in colony " + colony + "."};
  if (verdict == "online") {
    co_return ApiError{409, "agent_online",
                       "Agent " + agent_id + " is online: remove it with force=true to close its connections too."};
  }
  if (verdict != "ok" || reply.elements.size() < 3) co_return unexpected_reply();
  co_return reply.elements[1].str;
}

asio::awaitable<Outcome<std::monostate>> AgentStore::authenticate(redis::Connection& redis,
                                                                  const std::string& colony,
                                                                  const std::string& agent_id,
                                                                  const std::string& secret_sha256) {
  auto result = co_await redis.exec(mi::redis::args("HGET", keys_.colony_prefix(colony) + "agent:" + agent_id,
                                                    "token_sha256"));
  if (redis_failed(result)) co_return describe_redis_failure(result);
  // The stored hash is compared in constant time, so that timing tells nothing of it.
  if (result.reply.str.empty() || !constant_time_equal(result.reply.str, secret_sha256)) {
    co_return ApiError{401, "unauthorized", "This agent token is not valid: onboard again with a new invite."};
  }
  co_return std::monostate{};
}

asio::awaitable<Outcome<ClonedAgent>> AgentStore::clone(redis::Connection& redis, const std::string& colony,
                                                        const std::string& source_agent_id) {
  auto secret = random_secret();
  auto result = co_await redis.eval("clone_agent", mi::redis::args(keys_.colony_prefix(colony)),
                                    mi::redis::args(source_agent_id, std::to_string(now_ms()), sha256_hex(secret),
                                                    colony, event_stream_length_, event_stream_length_));
  if (redis_failed(result)) co_return describe_redis_failure(result);
  const auto& reply = result.reply;
  if (!reply.is_array() || reply.elements.empty()) co_return unexpected_reply();
  const auto& verdict = reply.elements[0].str;
  if (verdict == "not_allowed") {
    co_return ApiError{403, "not_allowed",
                       "Only a remote agent can clone itself; " + source_agent_id + " is already hosted."};
  }
  if (verdict != "ok" || reply.elements.size() < 4) {
    co_return ApiError{404, "not_found", "Agent " + source_agent_id + " no longer exists."};
  }
  ClonedAgent clone{reply.elements[1].str, reply.elements[2].str, ""};
  clone.token = AgentToken{colony, clone.agent_id, secret}.to_string();
  // The colony's spawn stream has the request atomically; this global pointer only saves
  // provisioners a scan of every colony, so a lost write here loses no request.
  co_await redis.exec(mi::redis::args("XADD", keys_.spawn_requests(), "MAXLEN", "~", event_stream_length_, "*",
                                      "colony", colony, "agent", clone.agent_id, "source", source_agent_id));
  co_return clone;
}

asio::awaitable<Outcome<std::uint64_t>> AgentStore::post_chat(redis::Connection& redis, const std::string& colony,
                                                              const std::string& agent_id, const std::string& text) {
  auto result = co_await redis.eval("post_chat", mi::redis::args(keys_.colony_prefix(colony)),
                                    mi::redis::args(agent_id, text, std::to_string(now_ms()), colony,
                                                    event_stream_length_));
  if (redis_failed(result)) co_return describe_redis_failure(result);
  co_return static_cast<std::uint64_t>(result.reply.integer);
}

asio::awaitable<Outcome<StatusOutcome>> AgentStore::update_status(redis::Connection& redis,
                                                                  const std::string& colony,
                                                                  const std::string& agent_id,
                                                                  const std::string& meta_json,
                                                                  std::int64_t min_interval_ms) {
  auto result = co_await redis.eval("update_status", mi::redis::args(keys_.colony_prefix(colony)),
                                    mi::redis::args(agent_id, meta_json, std::to_string(now_ms()),
                                                    std::to_string(min_interval_ms), colony, event_stream_length_));
  if (redis_failed(result)) co_return describe_redis_failure(result);
  const auto& reply = result.reply;
  if (!reply.is_array() || reply.elements.empty()) co_return unexpected_reply();
  StatusOutcome outcome;
  if (reply.elements[0].str == "ok") {
    outcome.published = true;
  } else if (reply.elements[0].str == "too_soon" && reply.elements.size() > 1) {
    outcome.retry_after_ms = reply.elements[1].integer;
  }
  co_return outcome;
}

asio::awaitable<Outcome<EventsPage>> AgentStore::read_events(redis::Connection& redis, const std::string& colony,
                                                             std::uint64_t after_seq, std::size_t count) {
  auto result = co_await redis.eval("read_events", mi::redis::args(keys_.colony_prefix(colony)),
                                    mi::redis::args(std::to_string(after_seq), std::to_string(count)));
  if (redis_failed(result)) co_return describe_redis_failure(result);
  auto& reply = result.reply;
  if (!reply.is_array() || reply.elements.size() < 4) co_return unexpected_reply();
  EventsPage page;
  page.current_seq = static_cast<std::uint64_t>(reply.elements[0].integer);
  page.epoch = std::move(reply.elements[1].str);
  page.complete = reply.elements[2].integer == 1;
  page.anchor = std::move(reply.elements[3].str);
  for (std::size_t i = 4; i < reply.elements.size(); ++i) page.events.push_back(std::move(reply.elements[i].str));
  co_return page;
}

asio::awaitable<Outcome<std::string>> AgentStore::renew_epoch(redis::Connection& redis, const std::string& colony,
                                                              const std::string& broken_epoch) {
  auto result = co_await redis.eval("renew_epoch", mi::redis::args(keys_.colony_prefix(colony)),
                                    mi::redis::args(broken_epoch));
  if (redis_failed(result)) co_return describe_redis_failure(result);
  if (result.reply.str.empty()) co_return unexpected_reply();
  co_return std::move(result.reply.str);
}

asio::awaitable<Outcome<std::string>> AgentStore::issue_token(redis::Connection& redis, const std::string& colony,
                                                              const std::string& agent_id) {
  auto secret = random_secret();
  auto result = co_await redis.eval("issue_agent_token", mi::redis::args(keys_.colony_prefix(colony)),
                                    mi::redis::args(agent_id, sha256_hex(secret)));
  if (redis_failed(result)) co_return describe_redis_failure(result);
  if (result.reply.integer != 1) co_return ApiError{404, "not_found", "There is no agent " + agent_id + " in colony " + colony + "."};
  co_return AgentToken{colony, agent_id, secret}.to_string();
}

asio::awaitable<Outcome<ColonySnapshot>> AgentStore::snapshot(redis::Connection& redis, const std::string& colony) {
  SnapshotAssembly assembly;
  auto action = assembly.start();
  for (;;) {
    if (auto* slice = std::get_if<SnapshotAssembly::ReadSlice>(&action)) {
      auto result = co_await redis.eval(
          "colony_slice", mi::redis::args(keys_.colony_prefix(colony)),
          mi::redis::args(std::to_string(slice->start), std::to_string(kSnapshotSliceAgents), slice->anchor));
      if (redis_failed(result)) co_return describe_redis_failure(result);
      auto& reply = result.reply;
      if (!reply.is_array() || reply.elements.size() < 3) co_return unexpected_reply();
      SnapshotSlice read;
      read.seq = static_cast<std::uint64_t>(reply.elements[0].integer);
      read.epoch = std::move(reply.elements[1].str);
      read.anchor_lost = reply.elements[2].str == "anchor_lost";
      if (!read.anchor_lost) {
        if (reply.elements.size() < 5) co_return unexpected_reply();
        read.next_start = static_cast<std::size_t>(reply.elements[3].integer);
        read.at_end = reply.elements[4].integer == 1;
        read.agent_jsons.reserve(reply.elements.size() - 5);
        for (std::size_t i = 5; i < reply.elements.size(); ++i) read.agent_jsons.push_back(std::move(reply.elements[i].str));
      }
      action = assembly.on_slice(std::move(read));
    } else if (auto* events = std::get_if<SnapshotAssembly::ReadEvents>(&action)) {
      auto page = co_await read_events(redis, colony, events->after, kSnapshotEventPage);
      if (auto* error = std::get_if<ApiError>(&page)) co_return std::move(*error);
      auto& held = std::get<EventsPage>(page);
      action = assembly.on_events(SnapshotEvents{std::move(held.epoch), held.complete, std::move(held.events)});
    } else if (std::holds_alternative<SnapshotAssembly::Complete>(action)) {
      co_return assembly.take();
    } else {
      co_return ApiError{503, "unavailable",
                         "Colony " + colony + " changed under every attempt to read it whole; retry in a moment."};
    }
  }
}

}  // namespace mi::hub
