#pragma once
// Carries out SubscriptionProbe (subscription_probe.hpp) for the hub's event subscriber: a tick on
// shard 0's loop, the PUBLISH of each probe on shard 0's command link, the probe channel
// ("mi:<env>:probe:<instance>", this process's own) subscribed with the colonies' channels.
// The EventRouter hands it the probe channel's messages and the subscriber's returns.

#include <cstdint>
#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include "hub/fanout/hub_context.hpp"
#include "hub/fanout/subscription_probe.hpp"
#include "hub/redis/connection.hpp"

namespace mi::hub {

class Shard;

class SubscriptionLiveness {
 public:
  // Probes every `--pubsub-probe-period` with `--redis-timeout` as the deadline.
  SubscriptionLiveness(HubContext& context, Shard& home, redis::Subscriber& subscriber);

  // On shard 0's loop.
  void start();
  void stop();
  bool owns(std::string_view channel) const { return channel == channel_; }
  void on_message(std::string_view payload);
  void on_resubscribed();

 private:
  boost::asio::awaitable<void> tick_loop();
  boost::asio::awaitable<void> publish(std::uint64_t number);
  void carry_out(SubscriptionProbe::Action action);

  HubContext& context_;
  Shard& home_;
  redis::Subscriber& subscriber_;
  const std::string channel_;
  SubscriptionProbe probe_;
  boost::asio::steady_timer timer_;
  bool confirmed_ = false;  // Redis confirmed the probe channel on the current link
  bool stopped_ = false;
};

}  // namespace mi::hub
