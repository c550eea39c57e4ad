#include "hub/redis/subscription_tracker.hpp"

#include <utility>

namespace mi::redis::detail {

using Kind = SubscriptionAction::Kind;

SubscriptionTracker::SubscriptionTracker(std::chrono::milliseconds confirmation_timeout)
    : confirmation_timeout_(confirmation_timeout) {}

SubscriptionActions SubscriptionTracker::subscribe(const std::string& channel, std::function<void()> on_subscribed,
                                                   Clock::time_point now) {
  SubscriptionActions actions;
  if (on_subscribed) {
    if (confirmed_.contains(channel)) {
      actions.push_back({.kind = Kind::run_callbacks, .callbacks = {std::move(on_subscribed)}});
    } else {
      waiting_callbacks_[channel].push_back(std::move(on_subscribed));
    }
  }
  if (!wanted_.insert(channel).second) return actions;
  // Without a link the next one subscribes it with the others.
  if (!link_ready_) return actions;
  send_subscribe({channel}, now, actions);
  watch_oldest_deadline(actions);
  return actions;
}

SubscriptionActions SubscriptionTracker::unsubscribe(const std::string& channel) {
  const auto it = wanted_.find(channel);
  if (it == wanted_.end()) return {};
  wanted_.erase(it);
  confirmed_.erase(channel);
  waiting_callbacks_.erase(channel);
  // A confirmation still due for it stays due: Redis answers the SUBSCRIBE before the UNSUBSCRIBE.
  if (!link_ready_) return {};
  return {{.kind = Kind::send_unsubscribe, .channels = {channel}}};
}

SubscriptionActions SubscriptionTracker::on_link_ready(Clock::time_point now) {
  link_ready_ = true;
  SubscriptionActions actions;
  // These are sent first on the link, so the first confirmations to come back are theirs.
  resubscribe_remaining_ = wanted_.size();
  std::vector<std::string> batch;
  for (const auto& channel : wanted_) {
    batch.push_back(channel);
    if (batch.size() == channels_per_command) send_subscribe(std::exchange(batch, {}), now, actions);
  }
  if (!batch.empty()) send_subscribe(std::move(batch), now, actions);
  if (wanted_.empty()) {
    actions.push_back({.kind = Kind::announce_resubscribed});
  } else {
    watch_oldest_deadline(actions);
  }
  return actions;
}

SubscriptionActions SubscriptionTracker::on_confirmation(std::string_view channel) {
  SubscriptionActions actions;
  if (!deadlines_.empty()) deadlines_.pop_front();
  if (wanted_.contains(channel)) {  // else unsubscribed meanwhile
    confirmed_.emplace(channel);
    if (const auto waiting = waiting_callbacks_.find(channel); waiting != waiting_callbacks_.end()) {
      actions.push_back({.kind = Kind::run_callbacks, .callbacks = std::move(waiting->second)});
      waiting_callbacks_.erase(waiting);
    }
  }
  if (resubscribe_remaining_ > 0 && --resubscribe_remaining_ == 0)
    actions.push_back({.kind = Kind::announce_resubscribed});
  return actions;
}

void SubscriptionTracker::on_link_down() {
  link_ready_ = false;
  deadlines_.clear();
  confirmed_.clear();
  resubscribe_remaining_ = 0;
}

SubscriptionActions SubscriptionTracker::check_deadline(Clock::time_point now) const {
  const auto check = check_oldest_deadline(deadlines_.empty() ? std::nullopt : std::optional(deadlines_.front()), now);
  switch (check.verdict) {
    case DeadlineCheck::Verdict::none:
      return {};
    case DeadlineCheck::Verdict::rearm:
      return {{.kind = Kind::watch_deadline, .deadline = check.at}};
    case DeadlineCheck::Verdict::expired:
      // A SUBSCRIBE not confirmed in time means a stuck link: drop it and subscribe afresh.
      return {{.kind = Kind::drop_link}};
  }
  return {};
}

void SubscriptionTracker::send_subscribe(std::vector<std::string> channels, Clock::time_point now,
                                         SubscriptionActions& actions) {
  const auto deadline = now + confirmation_timeout_;
  deadlines_.insert(deadlines_.end(), channels.size(), deadline);
  actions.push_back({.kind = Kind::send_subscribe, .channels = std::move(channels)});
}

void SubscriptionTracker::watch_oldest_deadline(SubscriptionActions& actions) const {
  if (!deadlines_.empty()) actions.push_back({.kind = Kind::watch_deadline, .deadline = deadlines_.front()});
}

}  // namespace mi::redis::detail
