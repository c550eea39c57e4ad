#pragma once
// How long to wait before reconnecting: the hub's full-jitter backoff (hub/core/backoff.hpp) with
// the agent's bounds, so that many agents cut off at the same moment do not all come back at the
// same moment.

#include <chrono>
#include <random>

#include "hub/core/backoff.hpp"

namespace mi::cli {

class Backoff {
 public:
  using Duration = std::chrono::steady_clock::duration;

  static constexpr std::chrono::milliseconds kFloor{500};
  static constexpr std::chrono::seconds kFirstCeiling{1};
  static constexpr std::chrono::seconds kCeiling{20};
  // A connection that stayed up this long was a success: the next failure starts afresh.
  static constexpr std::chrono::seconds kStableConnection{10};

  Backoff();

  // The delay after a failed attempt or a lost connection: between the floor and a ceiling
  // that doubles with each call (1 s, 2 s, 4 s... up to 20 s).
  Duration next();

  // The delay after the hub closed with 1012 (restarting): short, since another hub or the
  // restarted one is expected at once, and random, so that its agents do not return together.
  Duration after_restart();

  void reset() { backoff_.reset(); }

 private:
  std::mt19937_64 random_;
  mi::hub::JitteredBackoff backoff_{kFloor, kFirstCeiling, kCeiling};
};

}  // namespace mi::cli
