#include "cli/backoff.hpp"

#include <algorithm>

namespace mi::cli {

namespace {
constexpr std::chrono::milliseconds kRestartDelayMin{100};
constexpr std::chrono::milliseconds kRestartDelayMax{1000};
constexpr int kMaxDoublings = 16;  // far past the ceiling; keeps the shift in range
}  // namespace

Backoff::Backoff() : random_(std::random_device{}()) {}

Backoff::Duration Backoff::uniform(Duration low, Duration high) {
  std::uniform_int_distribution<Duration::rep> pick(low.count(), std::max(low, high).count());
  return Duration(pick(random_));
}

Backoff::Duration Backoff::next() {
  const Duration ceiling = std::min<Duration>(kCeiling, std::chrono::seconds(1) * (1LL << failures_));
  failures_ = std::min(failures_ + 1, kMaxDoublings);
  return uniform(kFloor, ceiling);
}

Backoff::Duration Backoff::after_restart() { return uniform(kRestartDelayMin, kRestartDelayMax); }

}  // namespace mi::cli
