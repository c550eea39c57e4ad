#include "hub/fanout/event_router.hpp"

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
  for (unsigned i = 0; i < shards_.size(); ++i) {
    if (found->second.per_shard[i] != 0) pending_[i].push_back(shared);
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
