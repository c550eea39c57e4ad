#pragma once
// Hubs watching each other through Redis. Each hub instance (hub/core/hub_instance.hpp) renews
// a short-lived liveness key; every hub periodically claims the instances whose key expired, and
// at its first sweep the earlier instances of its own --hub-id, and puts the agents they held
// offline with reason "hub_lost" (the claim is a script, so several sweepers never double-count).
// And whatever else goes wrong, an agent left online with no frame for the presence TTL and no
// live hub holding it is put offline ("timeout") by the ghost sweep. Runs on shard 0's loop.

#include <chrono>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include "hub/core/hub_instance.hpp"
#include "hub/fanout/hub_context.hpp"
#include "hub/fanout/shard.hpp"

namespace mi::hub {

class HubLiveness {
 public:
  HubLiveness(HubContext& context, std::vector<Shard*> shards);

  void start();
  void stop();
  // After a drain: leave the registry of hubs (hub_leave). Run on shard 0's loop.
  boost::asio::awaitable<void> leave();

 private:
  boost::asio::awaitable<void> beat_loop();
  // Runs `step` every `period` on `timer` until stop() (which cancels the timer).
  boost::asio::awaitable<void> every(boost::asio::steady_timer& timer, std::chrono::milliseconds period,
                                     boost::asio::awaitable<void> (HubLiveness::*step)());
  boost::asio::awaitable<void> sweep_once();
  // Puts offline the connections of one orphan set, a batch at a time; false when Redis failed.
  boost::asio::awaitable<bool> sweep_orphans(const ListedIn& orphans);
  // The presence TTL as the last line of defence: every --ghost-sweep-period, one hub puts
  // offline the agents marked online that no frame and no live hub vouches for
  // (expire_ghosts.lua).
  boost::asio::awaitable<void> expire_ghosts();
  // Settles the presence leases that ended (graces, HTTP beats, health reports) in the colonies
  // due now, whichever hub filed them: every hub runs it, so that one hub down delays nothing.
  boost::asio::awaitable<void> settle_leases();
  bool open_agent_sessions() const;

  HubContext& context_;
  std::vector<Shard*> shards_;
  Shard& home_;
  boost::asio::steady_timer beat_timer_;
  boost::asio::steady_timer sweep_timer_;
  boost::asio::steady_timer ghost_timer_;
  boost::asio::steady_timer lease_timer_;
  ClaimWatch claim_watch_;
  bool predecessors_claimed_ = false;  // once, at the first sweep that ran
  bool stopped_ = false;
};

}  // namespace mi::hub
