// The full-jitter backoff of the hub's Redis links and of `mi`: bounds, doubling, cap and reset,
// with the random draw fixed.
#include <catch2/catch.hpp>

#include <chrono>
#include <random>
#include <utility>
#include <vector>

#include "hub/core/backoff.hpp"

using mi::hub::JitteredBackoff;
using namespace std::chrono_literals;

namespace {

using Duration = JitteredBackoff::Duration;

// Draws that always take one end of the range, and one that records what it was offered.
Duration lowest(Duration low, Duration) { return low; }
Duration highest(Duration, Duration high) { return high; }

struct RecordingDraw {
  std::vector<std::pair<Duration, Duration>> offered;
  JitteredBackoff::Draw draw() {
    return [this](Duration low, Duration high) {
      offered.emplace_back(low, high);
      return low + (high - low) / 2;
    };
  }
};

}  // namespace

TEST_CASE("the ceiling doubles with each failure from the first ceiling, up to the cap") {
  JitteredBackoff backoff(500ms, 1s, 20s);
  std::vector<Duration> ceilings;
  for (int i = 0; i < 8; ++i) ceilings.push_back(backoff.next(highest));
  CHECK(ceilings == std::vector<Duration>{1s, 2s, 4s, 8s, 16s, 20s, 20s, 20s});
  CHECK(backoff.failures() == 8);
}

TEST_CASE("every delay is drawn between the floor and the ceiling of its failure") {
  JitteredBackoff backoff(100ms, 100ms, 5000ms);
  RecordingDraw recorder;
  for (int i = 0; i < 8; ++i) backoff.next(recorder.draw());
  const std::vector<std::pair<Duration, Duration>> expected{
      {100ms, 100ms},  {100ms, 200ms},  {100ms, 400ms},  {100ms, 800ms},
      {100ms, 1600ms}, {100ms, 3200ms}, {100ms, 5000ms}, {100ms, 5000ms}};
  CHECK(recorder.offered == expected);
  CHECK(JitteredBackoff(100ms, 100ms, 5000ms).next(lowest) == 100ms);
}

TEST_CASE("reset starts again from the first ceiling") {
  JitteredBackoff backoff(500ms, 1s, 20s);
  for (int i = 0; i < 4; ++i) backoff.next(highest);
  CHECK(backoff.ceiling() == 16s);
  backoff.reset();
  CHECK(backoff.failures() == 0);
  CHECK(backoff.ceiling() == 1s);
  CHECK(backoff.next(highest) == 1s);
  CHECK(backoff.next(highest) == 2s);
}

TEST_CASE("a draw outside the range is brought back into it") {
  JitteredBackoff backoff(500ms, 1s, 20s);
  CHECK(backoff.next([](Duration, Duration) { return Duration(0); }) == 500ms);
  CHECK(backoff.next([](Duration, Duration) { return Duration(1h); }) == 2s);
}

TEST_CASE("a ceiling below the floor draws the floor; a cap below the first ceiling is the first ceiling") {
  JitteredBackoff low_ceiling(2s, 1s, 1s);
  CHECK(low_ceiling.next(highest) == 2s);
  CHECK(low_ceiling.next(highest) == 2s);

  JitteredBackoff low_cap(0ms, 300ms, 100ms);
  CHECK(low_cap.next(highest) == 300ms);
  CHECK(low_cap.next(highest) == 300ms);
}

TEST_CASE("a long run of failures neither overflows nor lets the ceiling pass the cap") {
  JitteredBackoff backoff(1ns, 1ns, Duration::max());
  Duration last{};
  for (int i = 0; i < 1000; ++i) last = backoff.next(highest);
  CHECK(last == Duration::max());
  CHECK(backoff.failures() <= 64);

  JitteredBackoff zero(0ms, 0ms, 1s);
  for (int i = 0; i < 100; ++i) CHECK(zero.next(highest) == 0ms);
}

TEST_CASE("uniform_draw stays in range and draws whole units") {
  std::mt19937_64 engine(7);
  const auto draw_ms = mi::hub::uniform_draw<std::chrono::milliseconds>(engine);
  bool saw_low = false, saw_high = false;
  for (int i = 0; i < 2000; ++i) {
    const Duration d = draw_ms(100ms, 104ms);
    CHECK(d >= 100ms);
    CHECK(d <= 104ms);
    CHECK(d % 1ms == Duration::zero());
    saw_low = saw_low || d == 100ms;
    saw_high = saw_high || d == 104ms;
  }
  CHECK(saw_low);  // both ends are in the range
  CHECK(saw_high);

  const auto draw_ns = mi::hub::uniform_draw(engine);
  CHECK(draw_ns(3ns, 3ns) == 3ns);
  const Duration d = draw_ns(1ms, 2ms);
  CHECK(d >= 1ms);
  CHECK(d <= 2ms);
  // A range holding no whole unit gives the unit at or above its low end.
  CHECK(draw_ms(1500us, 1700us) == 2ms);
}
