#pragma once
// Whether the hub's event subscription still delivers, decided without I/O.
//
// A wedged subscription (a link that stays open but delivers nothing: a stuck proxy or NAT, a
// half-open connection that TCP keepalive has not noticed yet) would leave every watcher of this
// hub without events while everything else looks healthy. So every `period` the hub publishes a
// probe on a channel of its own, which its subscriber also listens to, and expects it back within
// `deadline`. A probe not back in time, or one that Redis says reached no subscriber, means the
// subscription is rebuilt: a new link, every channel subscribed again, and every watcher catching
// up from the event streams.

#include <chrono>
#include <cstdint>
#include <optional>

namespace mi::hub {

class SubscriptionProbe {
 public:
  using Clock = std::chrono::steady_clock;
  enum class Action { none, publish, rebuild };

  SubscriptionProbe(Clock::duration period, Clock::duration deadline);

  // The periodic tick. `subscribed`: the subscriber holds a link on which Redis confirmed the
  // probe channel. Returns `publish` when a probe is due: publish `probe_number()`.
  Action on_tick(Clock::time_point now, bool subscribed);
  std::uint64_t probe_number() const { return outstanding_.value_or(0); }

  // Redis' answer to the PUBLISH of probe `number`: how many subscribers got it, or nothing when
  // the command failed (the command link's trouble, not the subscription's).
  Action on_published(std::uint64_t number, std::optional<long long> receivers);
  // Probe `number` came back through the subscription.
  void on_received(std::uint64_t number);
  // A new link: the probes sent on the old one say nothing about it.
  void on_resubscribed();

 private:
  Clock::duration period_;
  Clock::duration deadline_;
  std::uint64_t last_number_ = 0;
  std::optional<std::uint64_t> outstanding_;
  Clock::time_point sent_at_{};
  std::optional<Clock::time_point> next_probe_at_;
};

}  // namespace mi::hub
