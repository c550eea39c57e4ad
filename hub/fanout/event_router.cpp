#include "hub/fanout/event_router.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>

#include "hub/core/log.hpp"
#include "hub/fanout/shard.hpp"

namespace mi::hub {

namespace asio = boost::asio;

EventRouter::EventRouter(HubContext& context, std::vector<Shard*> shards)
    : context_(context), shards_(std::move(shards)), pending_(shards_.size()) {
  subscriber_ = std::make_shared<redis::Subscriber>(
      shards_[0]->io().get_executor(), context.redis_endpoint, redis_connection_options(context.config),
      [this](std::string_view channel, std::string_view payload) { on_message(channel, payload); });
  subscriber_->set_on_resubscribed([this] { on_resubscribed(); });
  subscriber_->set_on_messages_end([this] { on_messages_end(); });
  subscription_liveness_ = std::make_unique<SubscriptionLiveness>(context, *shards_[0], *subscriber_);
}

EventRouter::~EventRouter() = default;

void EventRouter::start() {
  asio::post(shards_[0]->io(), [this] {
    subscriber_->start();
    subscription_liveness_->start();
  });
}

void EventRouter::stop() {
  subscription_liveness_->stop();
  subscriber_->stop();
}

std::string EventRouter::colony_of_channel(std::string_view channel) const {
  // "mi:<env>:{c:<colony>}:events"
  auto start = channel.find("{c:");
  auto end = channel.find("}:", start == std::string_view::npos ? 0 : start);
  if (start == std::string_view::npos || end == std::string_view::npos) return {};
  return std::string(channel.substr(start + 3, end - start - 3));
}

void EventRouter::add_interest(unsigned shard, const std::string& colony, std::function<void()> on_live) {
  asio::post(shards_[0]->io(), [this, shard, colony, on_live = std::move(on_live)]() mutable {
    auto& entry = interest_[colony];
    if (entry.per_shard.empty()) entry.per_shard.resize(shards_.size(), 0);
    bool first = std::all_of(entry.per_shard.begin(), entry.per_shard.end(), [](auto n) { return n == 0; });
    ++entry.per_shard[shard];
    if (entry.live) {
      asio::post(shards_[shard]->io(), std::move(on_live));
      return;
    }
    entry.waiting.emplace_back(shard, std::move(on_live));
    if (!first) return;
    subscriber_->subscribe(context_.keys.colony_events(colony), [this, colony] {
      auto found = interest_.find(colony);
      if (found == interest_.end()) return;
      found->second.live = true;
      for (auto& [waiting_shard, callback] : found->second.waiting) {
        asio::post(shards_[waiting_shard]->io(), std::move(callback));
      }
      found->second.waiting.clear();
    });
  });
}

void EventRouter::remove_interest(unsigned shard, const std::string& colony) {
  asio::post(shards_[0]->io(), [this, shard, colony] {
    auto found = interest_.find(colony);
    if (found == interest_.end() || found->second.per_shard[shard] == 0) return;
    --found->second.per_shard[shard];
    const auto& counts = found->second.per_shard;
    if (std::all_of(counts.begin(), counts.end(), [](auto n) { return n == 0; })) {
      subscriber_->unsubscribe(context_.keys.colony_events(colony));
      interest_.erase(found);
    }
  });
}

void EventRouter::on_message(std::string_view channel, std::string_view payload) {
  if (subscription_liveness_->owns(channel)) {
    subscription_liveness_->on_message(payload);
    return;
  }
  auto colony = colony_of_channel(channel);
  auto found = colony.empty() ? interest_.end() : interest_.find(colony);
  if (found == interest_.end()) return;
  SharedEvent shared = make_colony_event(std::move(colony), payload);
  if (!shared) {
    log::warn("ignoring a message on ", channel, " that is not an event");
    return;
  }
  auto verdict = found->second.history.offer(shared->epoch, shared->seq, shared->fingerprint);
  switch (verdict) {
    case HistoryVerdict::deliver:
      break;
    case HistoryVerdict::drop_duplicate:
    case HistoryVerdict::drop_stale:
      return;
    case HistoryVerdict::moved_backwards:
      log::warn("colony ", shared->colony, ": seq ", shared->seq, " came again with another event under epoch ",
                shared->epoch, " (its history moved backwards: a failover lost writes?); renewing its epoch");
      context_.metrics.history_moved_backwards.fetch_add(1, std::memory_order_relaxed);
      renew_epoch(shared->colony, shared->epoch);
      return;
    case HistoryVerdict::back_to_retired:
      // A late event of an epoch renewed here, or Redis went back to it (a second failover lost
      // the renewal): renewing it again is a no-op in the first case and heals the second.
      log::warn("colony ", shared->colony, ": an event of epoch ", shared->epoch,
                ", which this hub left behind; asking Redis for the colony's epoch");
      renew_epoch(shared->colony, shared->epoch);
      return;
    case HistoryVerdict::new_epoch:
      // Each watcher of the old epoch closes itself with 4009 before it would deliver this.
      log::info("colony ", shared->colony, " has a new epoch ", shared->epoch, " from seq ", shared->seq,
                "; its watchers take a fresh snapshot");
      break;
  }
  for (unsigned i = 0; i < shards_.size(); ++i) {
    if (found->second.per_shard[i] != 0) pending_[i].push_back(shared);
  }
}

void EventRouter::report_moved_backwards(const std::string& colony, const std::string& epoch) {
  asio::post(shards_[0]->io(), [this, colony, epoch] {
    auto found = interest_.find(colony);
    if (found == interest_.end()) return;
    auto& history = found->second.history;
    if (!history.report_moved_backwards(epoch)) {
      // Known already: a renewal under way closes the watchers when it answers; if the colony
      // has moved on to another epoch since, the watchers not on it go now.
      if (history.broken() && history.epoch() == epoch) return;
      for (auto* shard : shards_) {
        asio::post(shard->io(), [shard, colony, current = history.epoch()] {
          shard->close_watchers_off_epoch(colony, current);
        });
      }
      return;
    }
    log::warn("colony ", colony, ": its event stream ends below what a watcher had under epoch ", epoch,
              " (its history moved backwards: a failover lost writes?); renewing its epoch");
    context_.metrics.history_moved_backwards.fetch_add(1, std::memory_order_relaxed);
    renew_epoch(colony, epoch);
  });
}

void EventRouter::renew_epoch(const std::string& colony, const std::string& broken_epoch) {
  asio::co_spawn(shards_[0]->io(), renew_epoch_and_close(colony, broken_epoch), asio::detached);
}

// Until the renewal answers, the broken epoch's events go nowhere (the guard drops them), so the
// watchers wait without seeing anything of it. They are closed once the new epoch is known, so
// that a watcher that came meanwhile with a snapshot of the new epoch stays; if the renewal
// fails, all are closed (their snapshot, wherever they take it, is then of whatever Redis holds).
asio::awaitable<void> EventRouter::renew_epoch_and_close(std::string colony, std::string broken_epoch) {
  auto outcome = co_await context_.agents.renew_epoch(shards_[0]->redis(), colony, broken_epoch);
  std::string current;
  if (auto* epoch = std::get_if<std::string>(&outcome)) {
    current = *epoch;
    auto found = interest_.find(colony);
    if (found != interest_.end()) found->second.history.renewed(broken_epoch, current);
    log::info("colony ", colony, " epoch ", broken_epoch, " -> ", current);
  } else {
    log::warn("colony ", colony, ": renewing epoch ", broken_epoch, " failed (", std::get<ApiError>(outcome).message,
              "); closing its watchers all the same");
    auto found = interest_.find(colony);
    if (found != interest_.end()) found->second.history.renewal_failed(broken_epoch);
  }
  for (auto* shard : shards_) {
    asio::post(shard->io(), [shard, colony, current] { shard->close_watchers_off_epoch(colony, current); });
  }
}

void EventRouter::on_messages_end() {
  for (unsigned i = 0; i < shards_.size(); ++i) {
    if (pending_[i].empty()) continue;
    auto events = std::move(pending_[i]);
    pending_[i].clear();
    if (i == 0) {
      // The subscriber runs on this shard's loop: posting would put the delivery behind the
      // loop's other work, a turn of the loop added to every event's delay.
      shards_[0]->deliver(events);
      continue;
    }
    asio::post(shards_[i]->io(), [shard = shards_[i], events = std::move(events)] { shard->deliver(events); });
  }
}

void EventRouter::on_resubscribed() {
  // Events published while the subscriber was away are only in the streams: every watcher
  // checks for what it missed. The first subscription comes here too, when nothing can have been
  // missed yet, so only a later one is logged as a return.
  if (subscribed_before_) {
    log::info("event subscription restored; watchers catch up from the event streams");
  } else {
    log::info("event subscription up");
  }
  subscribed_before_ = true;
  subscription_liveness_->on_resubscribed();
  for (auto* shard : shards_) {
    asio::post(shard->io(), [shard] { shard->catch_up_watchers(); });
  }
}

}  // namespace mi::hub
