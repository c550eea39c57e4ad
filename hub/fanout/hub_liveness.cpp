#include "hub/fanout/hub_liveness.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "hub/core/clock.hpp"
#include "hub/core/end_reason.hpp"
#include "hub/core/hub_instance.hpp"
#include "hub/core/log.hpp"
#include "hub/core/no_throw.hpp"
#include "hub/redis/args.hpp"
#include "hub/store/redis_failure.hpp"

namespace mi::hub {

namespace asio = boost::asio;

namespace {
// The offline reason of a lost hub's agents; named, not a temporary, since it is passed by
// reference into a coroutine.
const std::string kHubLost(end_reason_text(EndReason::hub_lost));
// Orphaned connections put offline per round trip of the sweep.
constexpr int kOrphansPerBatch = 200;
// Agents of one colony looked at per call of the ghost sweep: a call stays short in a colony of
// 100,000 agents.
constexpr int kGhostSlice = 200;
// Colonies settled per round of the lease sweep.
constexpr std::size_t kDueColoniesPerRound = 100;
// Colonies per SSCAN page of the ghost sweep.
constexpr int kColoniesPerPage = 100;
}  // namespace

HubLiveness::HubLiveness(HubContext& context, std::vector<Shard*> shards)
    : context_(context),
      shards_(std::move(shards)),
      home_(*shards_.front()),
      beat_timer_(home_.io()),
      sweep_timer_(home_.io()),
      ghost_timer_(home_.io()),
      lease_timer_(home_.io()) {}

void HubLiveness::start() {
  asio::co_spawn(home_.io(), beat_loop(), asio::detached);
  asio::co_spawn(home_.io(), every(sweep_timer_, context_.config.sweep_period, &HubLiveness::sweep_once),
                 asio::detached);
  asio::co_spawn(home_.io(), every(ghost_timer_, context_.config.ghost_sweep_period, &HubLiveness::expire_ghosts),
                 asio::detached);
  asio::co_spawn(home_.io(), every(lease_timer_, context_.config.lease_sweep_period, &HubLiveness::settle_leases),
                 asio::detached);
}

void HubLiveness::stop() {
  asio::post(home_.io(), [this] {
    stopped_ = true;
    home_.redis().set_on_connected(nullptr);
    beat_timer_.cancel();
    sweep_timer_.cancel();
    ghost_timer_.cancel();
    lease_timer_.cancel();
  });
}

asio::awaitable<void> HubLiveness::leave() {
  stopped_ = true;
  beat_timer_.cancel();
  sweep_timer_.cancel();
  ghost_timer_.cancel();
  lease_timer_.cancel();
  auto result = co_await home_.redis().eval("hub_leave", mi::redis::args(context_.keys.hubs_prefix()),
                                            mi::redis::args(context_.instance));
  if (redis_failed(result) || result.reply.integer != 1) {
    log::warn("this hub still lists connections; the other hubs will put them offline (hub_lost)");
  }
}

asio::awaitable<void> HubLiveness::beat_loop() {
  // Three beats per liveness period: one lost beat does not make the hub look dead.
  auto period = context_.config.hub_liveness / 3;
  // Each (re)connection of the shard's Redis link brings the next beat forward. At start the
  // link is still being made, so the first beat waits for it (up to one period, then fails and
  // warns as any beat would) instead of warning on every start; after an outage, a hub whose key
  // lapsed finds out at once.
  home_.redis().set_on_connected([this] { beat_timer_.cancel(); });
  if (!home_.redis().is_connected()) {
    beat_timer_.expires_after(period);
    co_await beat_timer_.async_wait(kNoThrow);
  }
  while (!stopped_) {
    const auto sent_ms = now_ms();
    auto result = co_await home_.redis().eval(
        "hub_heartbeat", mi::redis::args(context_.keys.hubs_prefix()),
        mi::redis::args(context_.instance, std::to_string(context_.config.hub_liveness.count()), std::to_string(sent_ms)));
    if (redis_failed(result) || !result.reply.is_array() || result.reply.elements.size() < 3) {
      log::warn("hub liveness beat failed: ", result.ec ? result.ec.message() : result.reply.str);
    } else {
      context_.agents.redis_clock().observe(result.reply.elements[2].integer, sent_ms, now_ms());
      const bool registered_now = result.reply.elements[0].integer == 1;
      const auto times_claimed = static_cast<std::uint64_t>(result.reply.elements[1].integer);
      // Every session lists its connection, which registers the instance, so only a sweep's
      // claim (or Redis losing its data) takes it off while it holds agents: mark them again.
      if (claim_watch_.reassert_after_beat(registered_now, times_claimed, open_agent_sessions())) {
        log::error("this hub was taken for lost (its liveness key expired): re-asserting the agents it holds");
        for (auto* shard : shards_) asio::post(shard->io(), [shard] { shard->reassert_agents(); });
      }
    }
    beat_timer_.expires_after(period);
    co_await beat_timer_.async_wait(kNoThrow);
  }
}

bool HubLiveness::open_agent_sessions() const {
  return context_.metrics.sessions_agents.load(std::memory_order_relaxed) > 0;
}

asio::awaitable<void> HubLiveness::every(asio::steady_timer& timer, std::chrono::milliseconds period,
                                         asio::awaitable<void> (HubLiveness::*step)()) {
  while (!stopped_) {
    timer.expires_after(period);
    auto [ec] = co_await timer.async_wait(kNoThrow);
    if (ec || stopped_) break;
    co_await (this->*step)();
  }
}

asio::awaitable<void> HubLiveness::sweep_once() {
  auto& redis = home_.redis();
  const auto& keys = context_.keys;
  // Evidence gathered over a link that is down is none; Redis itself refuses claims made on
  // stale evidence (claim_lost_hubs.lua), so a claim that ran late after a stall changes nothing.
  if (!redis.is_connected()) co_return;
  auto claimed = co_await redis.eval(
      "claim_lost_hubs", mi::redis::args(keys.hubs_prefix()),
      mi::redis::args(context_.instance, std::to_string(context_.config.hub_liveness.count()),
                      predecessors_claimed_ ? "0" : "1"));
  if (redis_failed(claimed)) co_return;
  predecessors_claimed_ = true;
  for (const auto& instance : claimed.reply.elements) {
    log::warn("hub ", hub_id_of_instance(instance.str), " (instance ", instance.str,
              ") is lost; its agents go offline");
  }

  // Each lost instance's connections are a set of their own (claim_lost_hubs.lua); the shared set
  // holds those claimed by hubs of earlier versions.
  std::vector<std::string> orphan_sets{keys.orphan_connections()};
  auto listed = co_await redis.exec(mi::redis::args("SMEMBERS", keys.orphan_sets()));
  if (redis_failed(listed) || !listed.reply.is_array()) co_return;
  for (auto& set : listed.reply.elements) orphan_sets.push_back(std::move(set.str));
  for (const auto& set : orphan_sets) {
    const ListedIn orphans{set};  // named: GCC 12 mishandles temporaries in a co_await expression
    const bool swept = co_await sweep_orphans(orphans);
    if (!swept) co_return;  // the next sweep tries again
    // Redis drops an emptied set; its name leaves the list unless a claim made it again meanwhile.
    if (set != keys.orphan_connections()) {
      co_await redis.eval("forget_orphan_set", mi::redis::args(keys.hubs_prefix()), mi::redis::args(set));
    }
  }
}

asio::awaitable<bool> HubLiveness::sweep_orphans(const ListedIn& orphans) {
  auto& redis = home_.redis();
  for (;;) {
    auto batch = co_await redis.exec(mi::redis::args("SRANDMEMBER", orphans.set_key, std::to_string(kOrphansPerBatch)));
    if (redis_failed(batch) || !batch.reply.is_array()) co_return false;
    for (const auto& entry : batch.reply.elements) {
      auto orphan = AgentStore::parse_hub_connection_entry(entry.str);
      if (!orphan) {
        // Names no connection: dropped, or every sweep would draw it again.
        co_await redis.exec(mi::redis::args("SREM", orphans.set_key, entry.str));
        continue;
      }
      // As a session's end would, but the lost hub's last frames are unknown (0). The grace starts
      // now: the lost hub's agents may already be reconnecting elsewhere.
      auto outcome = co_await context_.agents.disconnect(redis, orphan->colony, orphan->connection_id, kHubLost, 0,
                                                         orphans, 0, context_.config.offline_grace.count());
      if (failed(outcome)) co_return false;
    }
    if (batch.reply.elements.size() < static_cast<std::size_t>(kOrphansPerBatch)) co_return true;
  }
}

asio::awaitable<void> HubLiveness::settle_leases() {
  auto& redis = home_.redis();
  if (!redis.is_connected()) co_return;
  for (;;) {
    auto round = co_await context_.agents.leases().sweep(redis, now_ms(), kDueColoniesPerRound);
    if (round.offlined > 0) {
      context_.metrics.lease_offlines.fetch_add(round.offlined, std::memory_order_relaxed);
      log::debug("lease sweep: ", round.offlined, " agent(s) offline in ", round.colonies, " colonie(s)");
    }
    // A full round may have left more due colonies: go on at once rather than a period later.
    if (!round.complete || round.colonies < kDueColoniesPerRound || stopped_) co_return;
  }
}

asio::awaitable<void> HubLiveness::expire_ghosts() {
  auto& redis = home_.redis();
  const auto& keys = context_.keys;
  const auto& config = context_.config;
  if (!redis.is_connected()) co_return;
  auto begun = co_await redis.eval(
      "begin_ghost_sweep", mi::redis::args(keys.hubs_prefix()),
      mi::redis::args(context_.instance, std::to_string(config.ghost_sweep_period.count()),
                      std::to_string(config.hub_liveness.count())));
  // Another hub runs this round, or liveness is settling after a stall: nothing to do now.
  if (redis_failed(begun) || !begun.reply.is_array() || begun.reply.elements.empty()) co_return;
  std::vector<std::string> live_instances;
  for (const auto& instance : begun.reply.elements) live_instances.push_back(instance.str);

  std::string cursor = "0";
  do {
    auto page = co_await redis.exec(
        mi::redis::args("SSCAN", keys.colonies(), cursor, "COUNT", std::to_string(kColoniesPerPage)));
    if (redis_failed(page) || !page.reply.is_array() || page.reply.elements.size() < 2) co_return;
    cursor = page.reply.elements[0].str;
    for (const auto& colony : page.reply.elements[1].elements) {
      long long from = 0;
      do {
        auto argv = mi::redis::args(std::to_string(from), std::to_string(kGhostSlice), std::to_string(now_ms()),
                                    std::to_string(config.event_stream_length));
        argv.insert(argv.end(), live_instances.begin(), live_instances.end());
        auto slice = co_await redis.eval("expire_ghosts", mi::redis::args(keys.colony_prefix(colony.str)),
                                         std::move(argv));
        if (redis_failed(slice) || !slice.reply.is_array() || slice.reply.elements.size() < 2) co_return;
        if (const auto expired = slice.reply.elements[1].integer; expired > 0) {
          log::warn(expired, " agent(s) of colony ", colony.str,
                    " were online with no frame for the presence TTL and no live hub holding them: offline (timeout)");
        }
        from = slice.reply.elements[0].integer;
      } while (from != 0 && !stopped_);
    }
  } while (cursor != "0" && !stopped_);
}

}  // namespace mi::hub
