// The probe watchers' clock, its arithmetic alone (the stamps themselves, over real sockets, are
// in tests/integration/bench/arrival_stamp_test.cpp).
#include <catch2/catch.hpp>

#include "bench/loadgen/arrival_stamp.hpp"

using namespace mi::bench;

TEST_CASE("a real-time stamp moves to the monotonic clock by the two clocks' distance") {
  CHECK(realtime_to_monotonic(1'000'500, 1'002'000, 7'000) == 5'500);
  CHECK(realtime_to_monotonic(1'002'000, 1'002'000, 7'000) == 7'000);
}
