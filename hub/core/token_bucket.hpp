#pragma once
// A token bucket: `burst` actions at once, then `per_second` sustained. I/O free: the caller
// passes the time of each action, in milliseconds of a clock it chooses.

#include <algorithm>
#include <cstdint>
#include <optional>

namespace mi::hub {

class TokenBucket {
 public:
  TokenBucket(double per_second, double burst) : per_ms_(per_second / 1000.0), burst_(burst), tokens_(burst) {}

  // True (and one token spent) when an action is allowed at `now_ms`.
  bool try_take(std::int64_t now_ms) {
    refill(now_ms);
    if (tokens_ < 1.0) return false;
    tokens_ -= 1.0;
    return true;
  }

 private:
  // Only time that moved forward refills. A step back (a clock that was set back) refills
  // nothing, and the latest time seen stays the reference, so that the same stretch of time is
  // never counted twice.
  void refill(std::int64_t now_ms) {
    if (last_ms_ && now_ms <= *last_ms_) return;
    if (last_ms_) tokens_ = std::min(burst_, tokens_ + static_cast<double>(now_ms - *last_ms_) * per_ms_);
    last_ms_ = now_ms;
  }

  double per_ms_;
  double burst_;
  double tokens_;
  std::optional<std::int64_t> last_ms_;  // the latest time an action was asked for
};

}  // namespace mi::hub
