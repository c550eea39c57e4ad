#include "hub/fanout/watcher_count_publisher.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>

#include "hub/core/no_throw.hpp"

namespace mi::hub {

namespace asio = boost::asio;

WatcherCountPublisher::WatcherCountPublisher(HubContext& context, Shard& home)
    : context_(context), home_(home), timer_(home.io()) {}

void WatcherCountPublisher::start() { asio::co_spawn(home_.io(), run(), asio::detached); }

void WatcherCountPublisher::stop() {
  asio::post(home_.io(), [this] {
    stopped_ = true;
    timer_.cancel();
  });
}

asio::awaitable<void> WatcherCountPublisher::run() {
  const auto period = context_.config.hub_liveness / 3;
  while (!stopped_) {
    if (home_.redis().is_connected()) co_await publish_once();
    timer_.expires_after(period);
    auto [ec] = co_await timer_.async_wait(kNoThrow);
    if (ec) break;
  }
}

asio::awaitable<void> WatcherCountPublisher::publish_once() {
  const bool everything = everything_next_;
  const auto changes = context_.watcher_counts.take_changes(everything);
  auto outcome = co_await context_.colony_reads.publish_watcher_counts(home_.redis(), context_.instance,
                                                                      context_.config.hub_liveness.count(), changes);
  if (failed(outcome)) {
    everything_next_ = true;  // what was taken may not have arrived
    co_return;
  }
  // Redis had no hash before this round: unless this round sent everything, counts are missing.
  everything_next_ = std::get<bool>(outcome) && !everything;
  if (everything_next_) co_await publish_once();
}

}  // namespace mi::hub
