#pragma once
// A token bucket: `burst` actions at once, then `per_second` sustained. I/O free.

#include <algorithm>
#include <cstdint>

namespace mi::hub {

class TokenBucket {
 public:
  TokenBucket(double per_second, double burst) : per_ms_(per_second / 1000.0), burst_(burst), tokens_(burst) {}

  // True (and one token spent) when an action is allowed at `now_ms`.
  bool try_take(std::int64_t now_ms) {
    if (last_ms_ != 0) tokens_ = std::min(burst_, tokens_ + static_cast<double>(now_ms - last_ms_) * per_ms_);
    last_ms_ = now_ms;
    if (tokens_ < 1.0) return false;
    tokens_ -= 1.0;
    return true;
  }

 private:
  double per_ms_;
  double burst_;
  double tokens_;
  std::int64_t last_ms_ = 0;
};

}  // namespace mi::hub
