#pragma once
// Brings every colony's events from Redis pub/sub to the shards that have sessions of that
// colony. One subscriber connection per hub, on shard 0's loop; a colony's channel is subscribed
// while any shard has interest in it. Each event is parsed once, as one shared object; the
// events of one read of the subscription go to each interested shard together, in the order
// they arrived: to shard 0 in the same handler, to the others in one posted handler each.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "hub/core/colony_event.hpp"
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

  // Whether the subscriber is connected; from any thread.
  bool subscription_link_up() const { return subscriber_->is_connected_any_thread(); }

 private:
  struct ColonyInterest {
    std::vector<std::uint32_t> per_shard;  // interest count of each shard
    bool live = false;
    std::vector<std::pair<unsigned, std::function<void()>>> waiting;  // shard, callback
  };

  void on_message(std::string_view channel, std::string_view payload);
  void on_messages_end();
  void on_resubscribed();
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
