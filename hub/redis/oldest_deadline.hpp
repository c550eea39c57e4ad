#pragma once
// One timer for many deadlines that were set in the order they expire (commands awaiting their
// replies, SUBSCRIBEs awaiting their confirmations): only the oldest can expire first, so the
// timer waits for it, and when it fires the oldest is either past (expire it) or newer than the
// one the timer was armed for (wait again).

#include <chrono>
#include <optional>

namespace mi::redis::detail {

using Clock = std::chrono::steady_clock;

struct DeadlineCheck {
  enum class Verdict {
    none,     // nothing is waiting
    rearm,    // the oldest is still ahead: wait until `at`
    expired,  // the oldest has passed
  };
  Verdict verdict = Verdict::none;
  Clock::time_point at{};
};

inline DeadlineCheck check_oldest_deadline(std::optional<Clock::time_point> oldest, Clock::time_point now) {
  if (!oldest) return {};
  if (*oldest > now) return {DeadlineCheck::Verdict::rearm, *oldest};
  return {DeadlineCheck::Verdict::expired, *oldest};
}

}  // namespace mi::redis::detail
