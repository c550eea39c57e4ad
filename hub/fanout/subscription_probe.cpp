#include "hub/fanout/subscription_probe.hpp"

namespace mi::hub {

SubscriptionProbe::SubscriptionProbe(Clock::duration period, Clock::duration deadline)
    : period_(period), deadline_(deadline) {}

SubscriptionProbe::Action SubscriptionProbe::on_tick(Clock::time_point now, bool subscribed) {
  if (!subscribed) {
    // A link that is down is the supervisor's to bring back; probe again a period after it is.
    outstanding_.reset();
    next_probe_at_.reset();
    return Action::none;
  }
  if (outstanding_) {
    if (now - sent_at_ < deadline_) return Action::none;
    outstanding_.reset();
    next_probe_at_ = now + period_;
    return Action::rebuild;
  }
  if (!next_probe_at_) next_probe_at_ = now + period_;
  if (now < *next_probe_at_) return Action::none;
  outstanding_ = ++last_number_;
  sent_at_ = now;
  next_probe_at_ = now + period_;
  return Action::publish;
}

SubscriptionProbe::Action SubscriptionProbe::on_published(std::uint64_t number, std::optional<long long> receivers) {
  if (outstanding_ != number) return Action::none;
  if (!receivers) {
    outstanding_.reset();
    return Action::none;
  }
  if (*receivers > 0) return Action::none;  // on its way back
  // Redis holds no subscription of ours to the probe channel: the subscriber lost it unnoticed.
  outstanding_.reset();
  return Action::rebuild;
}

void SubscriptionProbe::on_received(std::uint64_t number) {
  if (outstanding_ == number) outstanding_.reset();
}

void SubscriptionProbe::on_resubscribed() {
  outstanding_.reset();
  next_probe_at_.reset();
}

}  // namespace mi::hub
