// The chat budget's token bucket, fed the time of each action: no clock, no sleep.
#include <catch2/catch.hpp>

#include <cstdint>

#include "hub/core/token_bucket.hpp"

using mi::hub::TokenBucket;

namespace {

// How many actions in a row the bucket allows at `now_ms`, up to `at_most`.
int takes_at(TokenBucket& bucket, std::int64_t now_ms, int at_most = 100) {
  int taken = 0;
  while (taken < at_most && bucket.try_take(now_ms)) ++taken;
  return taken;
}

}  // namespace

TEST_CASE("a new bucket allows its burst at once, then nothing more at that instant", "[token-bucket]") {
  TokenBucket bucket(2, 3);
  CHECK(takes_at(bucket, 1'000'000) == 3);
  CHECK_FALSE(bucket.try_take(1'000'000));
}

TEST_CASE("an empty bucket refills at its rate", "[token-bucket]") {
  TokenBucket bucket(2, 3);  // a token every 500 ms
  const std::int64_t start = 1'000'000;
  REQUIRE(takes_at(bucket, start) == 3);
  CHECK_FALSE(bucket.try_take(start + 499));
  CHECK(bucket.try_take(start + 501));
  CHECK_FALSE(bucket.try_take(start + 502));
  // Two tokens' worth of time gives two actions, not more.
  CHECK(takes_at(bucket, start + 501 + 1'000) == 2);
}

TEST_CASE("a rate below one a second allows one action per its period", "[token-bucket]") {
  TokenBucket bucket(0.5, 1);  // a token every 2 s
  const std::int64_t start = 50'000;
  CHECK(takes_at(bucket, start) == 1);
  CHECK_FALSE(bucket.try_take(start + 1'990));
  CHECK(bucket.try_take(start + 2'010));
  CHECK_FALSE(bucket.try_take(start + 2'020));
}

TEST_CASE("an idle bucket fills up to its burst and no further", "[token-bucket]") {
  TokenBucket bucket(2, 3);
  const std::int64_t start = 1'000'000;
  REQUIRE(takes_at(bucket, start) == 3);
  CHECK(takes_at(bucket, start + 3'600'000) == 3);
  // Partly spent, then idle: full again, not fuller.
  REQUIRE(bucket.try_take(start + 3'600'000 + 1'000));
  CHECK(takes_at(bucket, start + 7'200'000) == 3);
}

TEST_CASE("time that goes backwards refills nothing and takes nothing away", "[token-bucket]") {
  const std::int64_t start = 1'000'000;
  SECTION("an empty bucket stays empty, and the time before the step is not counted twice") {
    TokenBucket bucket(2, 3);
    REQUIRE(takes_at(bucket, start) == 3);
    CHECK_FALSE(bucket.try_take(start - 5'000));
    // Measured from the step back, 5.5 s would have passed; from the latest time seen, 499 ms.
    CHECK_FALSE(bucket.try_take(start + 499));
    CHECK(bucket.try_take(start + 501));
  }
  SECTION("the tokens left are still there after the step") {
    TokenBucket bucket(2, 3);
    REQUIRE(bucket.try_take(start));
    CHECK(takes_at(bucket, start - 60'000) == 2);
  }
}

TEST_CASE("a clock that starts at zero refills like any other", "[token-bucket]") {
  TokenBucket bucket(2, 1);
  CHECK(takes_at(bucket, 0) == 1);
  CHECK_FALSE(bucket.try_take(0));
  CHECK(bucket.try_take(501));
}
