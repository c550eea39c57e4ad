// The onboard failure budgets' window, fed the time: which counters are read and written at a
// given millisecond, and the verdict from their counts. A map stands in for Redis.
#include <catch2/catch.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "hub/redis/reply.hpp"
#include "hub/store/keys.hpp"
#include "hub/store/onboard_limiter.hpp"

using mi::hub::Keys;
using mi::hub::OnboardLimiter;
namespace onboard_window = mi::hub::onboard_window;

namespace {

// The counters as count_onboard_failure.lua keeps them and MGET reads them.
struct Counters {
  void count_failure(const OnboardLimiter& limiter, const std::string& address, std::int64_t now_ms) {
    for (const auto& key : limiter.failure_keys(address, now_ms)) ++counts[key];
  }

  bool over_budget(const OnboardLimiter& limiter, const std::string& address, std::int64_t now_ms) const {
    return limiter.verdict(read(limiter, address, now_ms));
  }

  std::optional<std::int64_t> retry_after(const OnboardLimiter& limiter, const std::string& address,
                                          std::int64_t now_ms) const {
    return limiter.retry_after_ms(read(limiter, address, now_ms), now_ms);
  }

  // The MGET of the counters that make the budgets at `now_ms`.
  mi::redis::Reply read(const OnboardLimiter& limiter, const std::string& address, std::int64_t now_ms) const {
    mi::redis::Reply reply;
    reply.type = mi::redis::Reply::Type::array;
    for (const auto& key : limiter.counted_keys(address, now_ms)) {
      mi::redis::Reply count;
      if (auto found = counts.find(key); found != counts.end()) {
        count.type = mi::redis::Reply::Type::string;
        count.str = std::to_string(found->second);
      }
      reply.elements.push_back(count);
    }
    return reply;
  }

  std::map<std::string, std::uint64_t> counts;
};

mi::redis::Reply counts_reply(std::initializer_list<const char*> counts) {
  mi::redis::Reply reply;
  reply.type = mi::redis::Reply::Type::array;
  for (const char* count : counts) {
    mi::redis::Reply element;
    if (count != nullptr) {
      element.type = mi::redis::Reply::Type::string;
      element.str = count;
    }
    reply.elements.push_back(element);
  }
  return reply;
}

// A time at the very start of a 10-second bucket.
constexpr std::int64_t kBucketStart = 1'760'000'000'000;
static_assert(kBucketStart % onboard_window::kBucketMs == 0);

}  // namespace

TEST_CASE("a failure is counted in the 10-second bucket of its time", "[onboard-limit]") {
  CHECK(onboard_window::bucket_at(kBucketStart) == kBucketStart / 10'000);
  CHECK(onboard_window::bucket_at(kBucketStart + 9'999) == kBucketStart / 10'000);
  CHECK(onboard_window::bucket_at(kBucketStart + 10'000) == kBucketStart / 10'000 + 1);
  CHECK(onboard_window::bucket_at(kBucketStart - 1) == kBucketStart / 10'000 - 1);
}

TEST_CASE("the budget at a time counts its bucket and the five before it, newest first", "[onboard-limit]") {
  const std::int64_t bucket = kBucketStart / 10'000;
  for (auto now : {kBucketStart, kBucketStart + 5'000, kBucketStart + 9'999}) {
    INFO("now " << now);
    auto buckets = onboard_window::buckets_counted_at(now);
    CHECK(buckets == std::array<std::int64_t, 6>{bucket, bucket - 1, bucket - 2, bucket - 3, bucket - 4, bucket - 5});
  }
}

TEST_CASE("the counters read and written are the key schema's, address's first", "[onboard-limit]") {
  Keys keys("test");
  OnboardLimiter limiter(keys, 3, 5);
  const std::int64_t now = kBucketStart + 1'234;
  const auto bucket = std::to_string(kBucketStart / 10'000);
  const auto before = std::to_string(kBucketStart / 10'000 - 1);
  const auto oldest = std::to_string(kBucketStart / 10'000 - 5);

  auto counted = limiter.counted_keys("127.0.0.1", now);
  REQUIRE(counted.size() == 12);
  CHECK(counted[0] == "mi:test:{onboard-failures}:addr:127.0.0.1:" + bucket);
  CHECK(counted[1] == "mi:test:{onboard-failures}:addr:127.0.0.1:" + before);
  CHECK(counted[5] == "mi:test:{onboard-failures}:addr:127.0.0.1:" + oldest);
  CHECK(counted[6] == "mi:test:{onboard-failures}:all:" + bucket);
  CHECK(counted[11] == "mi:test:{onboard-failures}:all:" + oldest);

  auto written = limiter.failure_keys("::1", now);
  CHECK(written[0] == "mi:test:{onboard-failures}:addr:::1:" + bucket);
  CHECK(written[1] == "mi:test:{onboard-failures}:all:" + bucket);
}

TEST_CASE("the verdict: over budget once either sum reaches its limit", "[onboard-limit]") {
  Keys keys("test");
  OnboardLimiter limiter(keys, 3, 5);
  const char* none = nullptr;
  // Nothing counted anywhere.
  CHECK_FALSE(limiter.verdict(counts_reply({none, none, none, none, none, none, none, none, none, none, none, none})));
  // The address's failures add up across its buckets: 1 + 1 is under 3, 1 + 2 reaches it.
  CHECK_FALSE(limiter.verdict(counts_reply({"1", none, none, none, none, "1", "2", none, none, none, none, none})));
  CHECK(limiter.verdict(counts_reply({"1", none, none, none, none, "2", "3", none, none, none, none, none})));
  // The system's, likewise, whatever the address's.
  CHECK_FALSE(limiter.verdict(counts_reply({none, none, none, none, none, none, "2", "2", none, none, none, none})));
  CHECK(limiter.verdict(counts_reply({none, none, none, none, none, none, "2", "2", none, none, none, "1"})));
  // A counter that is not a number counts as zero.
  CHECK_FALSE(limiter.verdict(counts_reply({"x", "x", "x", none, none, none, none, none, none, none, none, none})));
}

TEST_CASE("a reply of another shape is no refusal", "[onboard-limit]") {
  Keys keys("test");
  OnboardLimiter limiter(keys, 1, 1);
  CHECK_FALSE(limiter.verdict(counts_reply({"9", "9", "9"})));
  mi::redis::Reply integer;
  integer.type = mi::redis::Reply::Type::integer;
  integer.integer = 99;
  CHECK_FALSE(limiter.verdict(integer));
  CHECK_FALSE(limiter.verdict(mi::redis::Reply{}));
}

TEST_CASE("a failure budget is a sliding window: failures across its buckets add up", "[onboard-limit]") {
  Keys keys("test");
  OnboardLimiter limiter(keys, 3, 1000);
  Counters redis;
  // Two failures at the end of one bucket, the third at the start of the next: a counter per
  // bucket (or per calendar minute) would have started from zero there; the window does not.
  const std::int64_t first = kBucketStart + 9'900;
  redis.count_failure(limiter, "10.0.0.1", first);
  redis.count_failure(limiter, "10.0.0.1", first + 50);
  CHECK_FALSE(redis.over_budget(limiter, "10.0.0.1", first + 100));
  const std::int64_t next_bucket = kBucketStart + 10'000;
  CHECK_FALSE(redis.over_budget(limiter, "10.0.0.1", next_bucket));
  redis.count_failure(limiter, "10.0.0.1", next_bucket);
  CHECK(redis.over_budget(limiter, "10.0.0.1", next_bucket + 1));
}

TEST_CASE("a burst across a calendar minute's boundary gets one budget, not two", "[onboard-limit]") {
  Keys keys("test");
  OnboardLimiter limiter(keys, 3, 1000);
  Counters redis;
  const std::int64_t minute = 1'760'000'040'000;
  static_assert(minute % 60'000 == 0);
  redis.count_failure(limiter, "10.0.0.1", minute - 2);
  redis.count_failure(limiter, "10.0.0.1", minute - 1);
  redis.count_failure(limiter, "10.0.0.1", minute);
  CHECK(redis.over_budget(limiter, "10.0.0.1", minute + 1));
}

TEST_CASE("a refusal lifts once the failures leave the window, 50 to 60 seconds later", "[onboard-limit]") {
  Keys keys("test");
  OnboardLimiter limiter(keys, 3, 1000);
  SECTION("failures at the end of their bucket count for 50 seconds and a little more") {
    Counters redis;
    const std::int64_t at = kBucketStart + 9'999;
    for (int i = 0; i < 3; ++i) redis.count_failure(limiter, "10.0.0.1", at);
    CHECK(redis.over_budget(limiter, "10.0.0.1", at));
    CHECK(redis.over_budget(limiter, "10.0.0.1", kBucketStart + 59'999));
    CHECK_FALSE(redis.over_budget(limiter, "10.0.0.1", kBucketStart + 60'000));
  }
  SECTION("failures at the start of their bucket count for 60 seconds") {
    Counters redis;
    for (int i = 0; i < 3; ++i) redis.count_failure(limiter, "10.0.0.1", kBucketStart);
    CHECK(redis.over_budget(limiter, "10.0.0.1", kBucketStart + 59'999));
    CHECK_FALSE(redis.over_budget(limiter, "10.0.0.1", kBucketStart + 60'000));
  }
  SECTION("the oldest failures leave first: one left of three is under the budget again") {
    Counters redis;
    redis.count_failure(limiter, "10.0.0.1", kBucketStart);
    redis.count_failure(limiter, "10.0.0.1", kBucketStart + 10'000);
    redis.count_failure(limiter, "10.0.0.1", kBucketStart + 40'000);
    CHECK(redis.over_budget(limiter, "10.0.0.1", kBucketStart + 59'999));
    CHECK_FALSE(redis.over_budget(limiter, "10.0.0.1", kBucketStart + 60'000));
    redis.count_failure(limiter, "10.0.0.1", kBucketStart + 60'000);
    CHECK(redis.over_budget(limiter, "10.0.0.1", kBucketStart + 60'001));
    CHECK_FALSE(redis.over_budget(limiter, "10.0.0.1", kBucketStart + 70'000));
  }
}

TEST_CASE("each address has its own budget; the system's counts every address", "[onboard-limit]") {
  Keys keys("test");
  OnboardLimiter limiter(keys, 3, 5);
  Counters redis;
  const std::int64_t now = kBucketStart + 3'000;
  for (int i = 0; i < 3; ++i) redis.count_failure(limiter, "10.0.0.1", now);
  CHECK(redis.over_budget(limiter, "10.0.0.1", now));
  CHECK_FALSE(redis.over_budget(limiter, "10.0.0.2", now));
  redis.count_failure(limiter, "10.0.0.2", now + 10'000);
  CHECK_FALSE(redis.over_budget(limiter, "10.0.0.3", now + 10'000));
  redis.count_failure(limiter, "10.0.0.2", now + 20'000);
  // 3 + 2 failures reach the system's budget of 5: an address with none is refused too.
  CHECK(redis.over_budget(limiter, "10.0.0.3", now + 20'000));
  // Environments count apart.
  Keys other_env("production");
  OnboardLimiter production(other_env, 3, 5);
  CHECK_FALSE(redis.over_budget(production, "10.0.0.1", now));
}

TEST_CASE("a refusal says when an attempt is judged again: the moment the window lets it in", "[onboard-limit]") {
  Keys keys("test");
  OnboardLimiter limiter(keys, 3, 5);
  Counters redis;
  redis.count_failure(limiter, "10.0.0.1", kBucketStart + 1'000);
  redis.count_failure(limiter, "10.0.0.1", kBucketStart + 12'000);
  redis.count_failure(limiter, "10.0.0.1", kBucketStart + 31'000);
  CHECK_FALSE(redis.retry_after(limiter, "10.0.0.2", kBucketStart + 31'000));  // within its budget
  // Refused attempts are not counted: whenever one asks, the answer is the same moment, when the
  // first failure's bucket leaves the window (60 s after its bucket began).
  for (std::int64_t asked = kBucketStart + 31'000; asked < kBucketStart + 60'000; asked += 3'700) {
    const auto wait = redis.retry_after(limiter, "10.0.0.1", asked);
    REQUIRE(wait);
    CHECK(asked + *wait == kBucketStart + 60'000);
    CHECK(redis.over_budget(limiter, "10.0.0.1", asked + *wait - 1));
    CHECK_FALSE(redis.over_budget(limiter, "10.0.0.1", asked + *wait));
  }
  // The system's budget: 2 more failures elsewhere make 5; the wait is until both are under.
  redis.count_failure(limiter, "10.0.0.2", kBucketStart + 45'000);
  redis.count_failure(limiter, "10.0.0.2", kBucketStart + 45'000);
  const auto wait = redis.retry_after(limiter, "10.0.0.3", kBucketStart + 46'000);
  REQUIRE(wait);
  CHECK(kBucketStart + 46'000 + *wait == kBucketStart + 60'000);
  // A limit of zero refuses for a whole window.
  OnboardLimiter closed(keys, 0, 5);
  CHECK(redis.retry_after(closed, "10.0.0.9", kBucketStart) == 60'000);
}
