#pragma once
// The decisions of a pub/sub connection, without I/O: which channels are wanted, which Redis has
// confirmed on the current link, who waits for a confirmation, when a confirmation is overdue,
// and when everything has been subscribed again after a reconnection. Each input returns the
// actions to carry out, in order; the PubSubClient carries them out with hiredis and a timer.

#include <chrono>
#include <cstddef>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "hub/redis/oldest_deadline.hpp"

namespace mi::redis::detail {

struct SubscriptionAction {
  enum class Kind {
    send_subscribe,         // SUBSCRIBE `channels` (at most channels_per_command)
    send_unsubscribe,       // UNSUBSCRIBE `channels`
    run_callbacks,          // post each of `callbacks`: their channel is confirmed
    announce_resubscribed,  // every channel wanted at the link's start is confirmed
    watch_deadline,         // a confirmation is due at `deadline`: check then, unless already waiting
    drop_link,              // a confirmation is overdue: the link is stuck
  };
  Kind kind;
  std::vector<std::string> channels{};
  std::vector<std::function<void()>> callbacks{};
  Clock::time_point deadline{};
};

using SubscriptionActions = std::vector<SubscriptionAction>;

class SubscriptionTracker {
 public:
  static constexpr std::size_t channels_per_command = 256;

  // `confirmation_timeout`: how long Redis has to confirm a SUBSCRIBE.
  explicit SubscriptionTracker(std::chrono::milliseconds confirmation_timeout);

  // No SUBSCRIBE if already wanted. `on_subscribed` (may be empty) runs once the channel is
  // confirmed: at once if it is, else at its confirmation on this or a later link.
  SubscriptionActions subscribe(const std::string& channel, std::function<void()> on_subscribed,
                                Clock::time_point now);
  // Nothing if not wanted. Nothing is delivered for it from now on; its callbacks are dropped.
  SubscriptionActions unsubscribe(const std::string& channel);

  // A new link is usable: subscribe everything wanted again (all of it on the first link).
  SubscriptionActions on_link_ready(Clock::time_point now);
  // Redis confirmed `channel` (a "subscribe" frame).
  SubscriptionActions on_confirmation(std::string_view channel);
  // The link is gone: nothing is confirmed any more, no confirmation is due.
  void on_link_down();
  // The confirmation timer fired at `now`.
  SubscriptionActions check_deadline(Clock::time_point now) const;

  // Whether a message on `channel` is for us (delivery stops at unsubscribe()).
  bool wants(std::string_view channel) const { return wanted_.contains(channel); }
  bool confirmed(std::string_view channel) const { return confirmed_.contains(channel); }
  std::size_t awaiting_confirmation() const { return deadlines_.size(); }

 private:
  // SUBSCRIBE `channels` now, and when their confirmations are due.
  void send_subscribe(std::vector<std::string> channels, Clock::time_point now, SubscriptionActions& actions);
  // After sending: have the timer wait for the oldest confirmation due.
  void watch_oldest_deadline(SubscriptionActions& actions) const;

  std::chrono::milliseconds confirmation_timeout_;
  bool link_ready_ = false;
  std::set<std::string, std::less<>> wanted_;     // whatever the link state
  std::set<std::string, std::less<>> confirmed_;  // by Redis, on the current link
  std::map<std::string, std::vector<std::function<void()>>, std::less<>> waiting_callbacks_;
  // One deadline per channel sent, in send order: Redis confirms in that order, so the front is
  // the next confirmation due. A SUBSCRIBE that hiredis refuses only happens on a link that is
  // going away, whose on_link_down() clears these.
  std::deque<Clock::time_point> deadlines_;
  std::size_t resubscribe_remaining_ = 0;  // confirmations until announce_resubscribed
};

}  // namespace mi::redis::detail
