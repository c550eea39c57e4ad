#include "hub/fanout/subscription_liveness.hpp"

#include <algorithm>
#include <charconv>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include "hub/core/log.hpp"
#include "hub/core/no_throw.hpp"
#include "hub/fanout/shard.hpp"
#include "hub/redis/args.hpp"

namespace mi::hub {

namespace asio = boost::asio;

SubscriptionLiveness::SubscriptionLiveness(HubContext& context, Shard& home, redis::Subscriber& subscriber)
    : context_(context),
      home_(home),
      subscriber_(subscriber),
      channel_(context.keys.env_prefix() + "probe:" + context.instance),
      probe_(context.config.pubsub_probe_period, context.config.redis_command_timeout),
      timer_(home.io()) {}

void SubscriptionLiveness::start() {
  if (context_.config.pubsub_probe_period.count() <= 0) return;
  subscriber_.subscribe(channel_, [this] { confirmed_ = true; });
  asio::co_spawn(home_.io(), tick_loop(), asio::detached);
}

void SubscriptionLiveness::stop() {
  stopped_ = true;
  timer_.cancel();
}

void SubscriptionLiveness::on_message(std::string_view payload) {
  std::uint64_t number = 0;
  const auto [end, ec] = std::from_chars(payload.data(), payload.data() + payload.size(), number);
  if (ec == std::errc{} && end == payload.data() + payload.size()) probe_.on_received(number);
}

void SubscriptionLiveness::on_resubscribed() {
  // Runs once Redis confirmed every channel remembered, the probe channel included.
  confirmed_ = true;
  probe_.on_resubscribed();
}

asio::awaitable<void> SubscriptionLiveness::tick_loop() {
  // Fine enough to notice a missed deadline soon after it passes, at no cost worth counting.
  const auto step = std::max<std::chrono::milliseconds>(
      std::chrono::milliseconds{50},
      std::min(context_.config.pubsub_probe_period, context_.config.redis_command_timeout) / 4);
  while (!stopped_) {
    timer_.expires_after(step);
    co_await timer_.async_wait(kNoThrow);
    if (stopped_) break;
    if (!subscriber_.is_connected()) confirmed_ = false;
    carry_out(probe_.on_tick(SubscriptionProbe::Clock::now(), confirmed_));
  }
}

void SubscriptionLiveness::carry_out(SubscriptionProbe::Action action) {
  switch (action) {
    case SubscriptionProbe::Action::none:
      break;
    case SubscriptionProbe::Action::publish:
      asio::co_spawn(home_.io(), publish(probe_.probe_number()), asio::detached);
      break;
    case SubscriptionProbe::Action::rebuild:
      log::warn("the event subscription delivered no probe within --redis-timeout; rebuilding it");
      context_.metrics.subscription_rebuilds.fetch_add(1, std::memory_order_relaxed);
      confirmed_ = false;
      subscriber_.rebuild();
      break;
  }
}

asio::awaitable<void> SubscriptionLiveness::publish(std::uint64_t number) {
  auto result = co_await home_.redis().exec(redis::args("PUBLISH", channel_, std::to_string(number)));
  if (stopped_) co_return;
  std::optional<long long> receivers;
  if (!result.ec && result.reply.is_integer()) receivers = result.reply.integer;
  carry_out(probe_.on_published(number, receivers));
}

}  // namespace mi::hub
