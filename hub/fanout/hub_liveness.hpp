#pragma once
// Hubs watching each other through Redis. Each hub renews a short-lived liveness key; every hub
// periodically claims the hubs whose key expired and puts the agents they held offline with
// reason "hub_lost" (the claim is a script, so several sweepers never double-count). Runs on
// shard 0's loop.

#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

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
  boost::asio::awaitable<void> sweep_loop();
  boost::asio::awaitable<void> sweep_once();
  bool open_agent_sessions() const;

  HubContext& context_;
  std::vector<Shard*> shards_;
  Shard& home_;
  boost::asio::steady_timer beat_timer_;
  boost::asio::steady_timer sweep_timer_;
  bool stopped_ = false;
};

}  // namespace mi::hub
