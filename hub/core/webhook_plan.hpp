#pragma once
// The decisions of webhook delivery, free of I/O (docs/webhooks.md): which of a colony's pending
// events go into the next delivery and whether it leaves now (WebhookBatcher), and when a failed
// delivery is tried again or given up (WebhookRetry). The clock and the random draw are arguments.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "hub/core/backoff.hpp"

namespace mi::hub {

// One event of a colony's stream after the delivery cursor, as the pump reads it.
struct PendingWebhookEvent {
  std::uint64_t seq = 0;
  std::string_view kind;   // "join", "online", ...
  std::int64_t ts_ms = 0;  // when the event happened (the event's "ts")
};

struct WebhookBatchPlan {
  enum class Action {
    nothing,  // no event pending
    skip,     // no pending event is selected: move the cursor to `through_seq`, deliver nothing
    wait,     // a delivery is due at `due_ms` (or sooner, should it fill up)
    send,     // deliver `events` now; on a 2xx the cursor moves to `through_seq`
  };
  Action action = Action::nothing;
  std::vector<std::size_t> events;  // indices into the pending events, in seq order
  std::uint64_t through_seq = 0;    // the last seq this delivery accounts for (sent or not selected)
  std::int64_t due_ms = 0;          // with wait: the first selected event's ts plus the batch wait
  bool full = false;                // send: the delivery holds as many events as one may
};

class WebhookBatcher {
 public:
  // max_events: events per delivery at most (at least 1); wait_ms: a delivery leaves at most this
  // long after its first event; selected: the event kinds delivered (--webhook-events).
  WebhookBatcher(std::size_t max_events, std::int64_t wait_ms, std::vector<std::string> selected);

  bool selects(std::string_view kind) const;

  // `pending`: events right after the cursor, in seq order; `more_pending`: the stream holds
  // events after the last of them (the read was cut short), so waiting would not fill the batch
  // any sooner than sending it.
  WebhookBatchPlan plan(std::span<const PendingWebhookEvent> pending, bool more_pending, std::int64_t now_ms) const;

 private:
  std::size_t max_events_;
  std::int64_t wait_ms_;
  std::vector<std::string> selected_;
};

// The retries of one delivery: exponential backoff with full jitter, until `retry_for` after
// its first attempt; then the delivery is dropped.
class WebhookRetry {
 public:
  WebhookRetry(std::int64_t retry_for_ms, JitteredBackoff backoff);

  // The first attempt of a new delivery starts the clock (and the backoff from its first ceiling).
  void start(std::int64_t now_ms);
  // After a failed attempt at now_ms: when to try again (never past the retry deadline; one last
  // attempt is made at the deadline), or nullopt when the deadline has passed: drop it.
  std::optional<std::int64_t> after_failure(std::int64_t now_ms, const JitteredBackoff::Draw& draw);

  std::int64_t deadline_ms() const { return first_attempt_ms_ + retry_for_ms_; }
  unsigned failures() const { return failures_; }

 private:
  std::int64_t retry_for_ms_;
  JitteredBackoff backoff_;
  std::int64_t first_attempt_ms_ = 0;
  unsigned failures_ = 0;
};

}  // namespace mi::hub
