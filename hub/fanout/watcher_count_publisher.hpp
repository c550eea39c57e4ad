#pragma once
// Publishes this hub's watcher counts (HubContext::watcher_counts) to Redis, so that a colony's
// stats count the watchers of every hub (publish_watcher_counts.lua, count_watchers.lua). Once a
// liveness beat period (--hub-liveness / 3) it sends what changed; the hash it writes lives one
// liveness period unless published again, so a dead hub's counts go with it. When Redis had no
// hash (it expired during an outage, or Redis lost its data) or a publish failed, the next round
// sends every count. Runs on shard 0's loop.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include "hub/fanout/hub_context.hpp"
#include "hub/fanout/shard.hpp"

namespace mi::hub {

class WatcherCountPublisher {
 public:
  WatcherCountPublisher(HubContext& context, Shard& home);

  void start();
  void stop();  // from any thread

 private:
  boost::asio::awaitable<void> run();
  boost::asio::awaitable<void> publish_once();

  HubContext& context_;
  Shard& home_;
  boost::asio::steady_timer timer_;
  bool everything_next_ = true;  // the first round, and after Redis lost the hash
  bool stopped_ = false;
};

}  // namespace mi::hub
