#include "hub/core/backoff.hpp"

#include <algorithm>

namespace mi::hub {

JitteredBackoff::JitteredBackoff(Duration floor, Duration first_ceiling, Duration max_ceiling)
    : floor_(floor), first_ceiling_(first_ceiling), max_ceiling_(std::max(max_ceiling, first_ceiling)) {}

JitteredBackoff::Duration JitteredBackoff::ceiling() const {
  // Doubled one failure at a time rather than shifted: no shift count can overflow this way.
  Duration ceiling = first_ceiling_;
  for (unsigned i = 0; i < failures_ && ceiling < max_ceiling_; ++i)
    ceiling = ceiling > max_ceiling_ / 2 ? max_ceiling_ : ceiling * 2;
  return ceiling;
}

JitteredBackoff::Duration JitteredBackoff::next(const Draw& draw) {
  const Duration high = std::max(floor_, ceiling());
  failures_ = std::min(failures_ + 1, kMaxDoublings);
  return std::clamp(draw(floor_, high), floor_, high);
}

}  // namespace mi::hub
