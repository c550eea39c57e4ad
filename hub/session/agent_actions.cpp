#include "hub/session/agent_actions.hpp"

#include "hub/core/log.hpp"
#include "hub/store/replica_ack.hpp"

namespace mi::hub {

namespace asio = boost::asio;

asio::awaitable<Outcome<std::uint64_t>> post_agent_chat(Shard& shard, const std::string& colony,
                                                        const std::string& agent_id, const std::string& text) {
  auto outcome = co_await shard.context().agents.post_chat(shard.redis(), colony, agent_id, text);
  if (!failed(outcome)) shard.context().metrics.events_published.fetch_add(1, std::memory_order_relaxed);
  co_return outcome;
}

asio::awaitable<Outcome<StatusOutcome>> publish_agent_status(Shard& shard, const std::string& colony,
                                                             const std::string& agent_id,
                                                             const std::string& meta_json) {
  auto& context = shard.context();
  auto outcome = co_await context.agents.update_status(shard.redis(), colony, agent_id, meta_json,
                                                       context.config.status_min_interval.count());
  if (auto* status = std::get_if<StatusOutcome>(&outcome); status && status->published) {
    context.metrics.events_published.fetch_add(1, std::memory_order_relaxed);
  }
  co_return outcome;
}

asio::awaitable<Outcome<ClonedAgent>> clone_agent(Shard& shard, const std::string& colony,
                                                  const std::string& agent_id) {
  auto& context = shard.context();
  auto outcome = co_await context.agents.clone(shard.redis(), colony, agent_id);
  if (failed(outcome)) co_return outcome;
  const auto& clone = std::get<ClonedAgent>(outcome);
  const std::string what = "clone " + colony + "/" + clone.agent_id + " made";
  co_await wait_for_replicas_before_answering(shard, what);
  context.metrics.events_published.fetch_add(1, std::memory_order_relaxed);
  log::info("agent ", colony, "/", agent_id, " cloned itself as ", clone.agent_id);
  co_return outcome;
}

asio::awaitable<void> wait_for_replicas_before_answering(Shard& shard, const std::string& what) {
  // A failover to a replica that lacks the write would undo what the answer confirms (a code
  // could be redeemed again, a clone's token refused). The write is made either way: an agent
  // that waited this long still gets its answer, and the shortfall is counted and logged.
  auto& context = shard.context();
  // Behind Sentinel a primary is meant to have a replica: one with none holds the write alone.
  const bool replicas_expected = context.redis_endpoint.kind == redis::Endpoint::Kind::sentinel;
  const auto replicated = co_await wait_for_replicas(shard.redis(), context.config.redis_min_replicas_ack,
                                                     replicas_expected, context.config.redis_command_timeout / 2);
  if (!replicated.short_of_wanted()) co_return;
  context.metrics.redemptions_unreplicated.fetch_add(1, std::memory_order_relaxed);
  log::warn(what, " before ", replicated.wanted, " replica(s) acknowledged it (",
            replicated.failed ? "no answer from Redis" : std::to_string(replicated.acked) + " did", ")");
}

}  // namespace mi::hub
