// This hub's clock on Redis' clock: beat readings in (times as arguments), deadlines out.
#include <catch2/catch.hpp>

#include "hub/store/redis_clock.hpp"

using mi::hub::RedisClock;
using namespace std::chrono_literals;

TEST_CASE("nothing is known before a beat was read", "[redis-clock]") {
  RedisClock clock(500ms);
  CHECK_FALSE(clock.to_redis(1'000));
}

TEST_CASE("a beat's reading is taken as made halfway through its round trip", "[redis-clock]") {
  RedisClock clock(500ms);
  // Redis' clock 7 s ahead: sent at 10 000, answered at 10 100, Redis read 17 050.
  REQUIRE(clock.observe(17'050, 10'000, 10'100));
  CHECK(clock.to_redis(20'000) == 27'000);
  // Redis behind this hub's clock.
  REQUIRE(clock.observe(5'000, 10'000, 10'000));
  CHECK(clock.to_redis(20'000) == 15'000);
}

TEST_CASE("a beat that took long says too little and is not used", "[redis-clock]") {
  RedisClock clock(500ms);
  REQUIRE(clock.observe(10'000, 10'000, 10'000));
  // A stalled Redis answered 8 s late: its reading could be anywhere in those 8 s.
  CHECK_FALSE(clock.observe(25'000, 11'000, 19'000));
  CHECK(clock.to_redis(30'000) == 30'000);
  CHECK_FALSE(clock.observe(25'000, 12'000, 11'000));  // a clock stepped back meanwhile
  CHECK(clock.to_redis(30'000) == 30'000);
}
