#pragma once
// Exponential backoff with full jitter: the ceiling doubles with each failure up to a cap, and the
// delay is drawn at random between a floor and that ceiling, so that many clients cut off at the
// same moment (agents from a hub, hubs from a Redis) do not all come back at the same moment.
// I/O-free and deterministic: the random draw is an argument, so a test can fix it.

#include <chrono>
#include <functional>
#include <random>

namespace mi::hub {

class JitteredBackoff {
 public:
  using Duration = std::chrono::nanoseconds;
  // Returns a delay in [low, high]: uniformly at random in production (uniform_draw), a fixed
  // choice in tests. What it returns outside the range is brought back into it.
  using Draw = std::function<Duration(Duration low, Duration high)>;

  // The first delay is drawn in [floor, first_ceiling]; each failure doubles the ceiling, up to
  // max_ceiling. A ceiling below the floor draws the floor.
  JitteredBackoff(Duration floor, Duration first_ceiling, Duration max_ceiling);

  // The delay after one more failure.
  Duration next(const Draw& draw);
  // After a success: the next failure starts again from the first ceiling.
  void reset() { failures_ = 0; }

  // The range the next delay is drawn from.
  Duration floor() const { return floor_; }
  Duration ceiling() const;
  // Failures since the last reset (it stops counting once the ceiling cannot grow any more).
  unsigned failures() const { return failures_; }

 private:
  // Enough doublings to take any ceiling of at least 1 ns past any Duration: counting further
  // would change nothing but the loop's length.
  static constexpr unsigned kMaxDoublings = 64;

  Duration floor_;
  Duration first_ceiling_;
  Duration max_ceiling_;
  unsigned failures_ = 0;
};

// The production Draw: uniform over the whole `Unit`s of [low, high] (the hub draws whole
// milliseconds, `mi` nanoseconds). `engine` must outlive the returned function.
template <class Unit = JitteredBackoff::Duration, class Engine>
JitteredBackoff::Draw uniform_draw(Engine& engine) {
  return [&engine](JitteredBackoff::Duration low, JitteredBackoff::Duration high) {
    const auto first = std::chrono::ceil<Unit>(low).count();
    const auto last = std::max(first, std::chrono::floor<Unit>(high).count());
    std::uniform_int_distribution<typename Unit::rep> pick(first, last);
    return JitteredBackoff::Duration(Unit(pick(engine)));
  };
}

}  // namespace mi::hub
