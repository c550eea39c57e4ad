#pragma once
// Brings every colony's events from Redis pub/sub to the shards that have sessions of that
// colony. One subscriber connection per hub, on shard 0's loop; a colony's channel is subscribed
// while any shard has interest in it. Each event is parsed once, as one shared object; the
// events of one read of the subscription go to each interested shard together, in the order
// they arrived: to shard 0 in the same handler, to the others in one posted handler each.
//
// The router also guards each colony's history (EventHistoryGuard, contract section 6): an event
// whose seq this hub already delivered for another event under the same epoch means the history
// moved backwards under it (a failover that lost writes). Such events go nowhere; the router
// renews the colony's epoch (renew_epoch, once across hubs) and then closes the colony's watchers
// on every shard with 4009, so that they take a fresh snapshot. An event of a new epoch goes on
// to the shards, where each watcher of the old epoch closes itself before delivering it.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "hub/core/colony_event.hpp"
#include "hub/core/event_history_guard.hpp"
#include "hub/fanout/hub_context.hpp"
#include "hub/fanout/subscription_liveness.hpp"
#include "hub/redis/connection.hpp"

namespace mi::hub {

class Shard;

class EventRouter {
 public:
  EventRouter(HubContext& context, std::vector<Shard*> shards);
  ~EventRouter();

  void start();
  void stop();

  // Called on shard `shard`'s loop. `on_live` runs on that loop once the colony's channel is
  // subscribed (at once if it already is).
  void add_interest(unsigned shard, const std::string& colony, std::function<void()> on_live);
  void remove_interest(unsigned shard, const std::string& colony);

  // A watcher found the colony's history below what it delivered under `epoch` (a read of the
  // stream): renew the epoch and close the colony's watchers, unless already under way. From any
  // shard's loop.
  void report_moved_backwards(const std::string& colony, const std::string& epoch);

  // Whether the subscriber is connected; from any thread.
  bool subscription_link_up() const { return subscriber_->is_connected_any_thread(); }

 private:
  struct ColonyInterest {
    std::vector<std::uint32_t> per_shard;  // interest count of each shard
    bool live = false;
    std::vector<std::pair<unsigned, std::function<void()>>> waiting;  // shard, callback
    EventHistoryGuard history;
  };

  void on_message(std::string_view channel, std::string_view payload);
  void on_messages_end();
  void on_resubscribed();
  // The colony's history moved backwards while its epoch was `broken_epoch`: renew it, then close
  // the colony's watchers that are not on the new epoch, on every shard.
  void renew_epoch(const std::string& colony, const std::string& broken_epoch);
  boost::asio::awaitable<void> renew_epoch_and_close(std::string colony, std::string broken_epoch);
  std::string colony_of_channel(std::string_view channel) const;

  HubContext& context_;
  std::vector<Shard*> shards_;
  std::shared_ptr<redis::Subscriber> subscriber_;
  std::unique_ptr<SubscriptionLiveness> subscription_liveness_;  // probes subscriber_
  // Touched only on shard 0's loop.
  std::unordered_map<std::string, ColonyInterest> interest_;
  std::vector<std::vector<SharedEvent>> pending_;  // per shard: this read's events so far
  bool subscribed_before_ = false;                  // a later subscription is a return
};

}  // namespace mi::hub
