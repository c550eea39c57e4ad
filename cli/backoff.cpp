#include "cli/backoff.hpp"

namespace mi::cli {

namespace {
constexpr std::chrono::milliseconds kRestartDelayMin{100};
constexpr std::chrono::milliseconds kRestartDelayMax{1000};
}  // namespace

Backoff::Backoff() : random_(std::random_device{}()) {}

Backoff::Duration Backoff::next() { return backoff_.next(mi::hub::uniform_draw(random_)); }

Backoff::Duration Backoff::after_restart() {
  return mi::hub::uniform_draw(random_)(kRestartDelayMin, kRestartDelayMax);
}

}  // namespace mi::cli
