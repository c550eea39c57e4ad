#include "hub/store/onboard_limiter.hpp"

#include <charconv>
#include <vector>

#include "hub/core/clock.hpp"
#include "hub/core/log.hpp"
#include "hub/redis/args.hpp"
#include "hub/store/redis_failure.hpp"

namespace mi::hub {

namespace asio = boost::asio;

namespace {
constexpr std::int64_t kBucketMs = 10'000;
constexpr std::int64_t kBucketsPerWindow = 6;

std::int64_t current_bucket() { return now_ms() / kBucketMs; }

std::uint64_t count_of(const redis::Reply& reply) {
  std::uint64_t value = 0;
  if (reply.is_string()) std::from_chars(reply.str.data(), reply.str.data() + reply.str.size(), value);
  return value;
}
}  // namespace

asio::awaitable<Outcome<bool>> OnboardLimiter::over_budget(redis::Connection& redis,
                                                           const std::string& address) const {
  // One MGET: the address's buckets of the window, then the system's.
  auto bucket = current_bucket();
  std::vector<std::string> command{"MGET"};
  for (std::int64_t i = 0; i < kBucketsPerWindow; ++i) {
    command.push_back(keys_.onboard_failures_by_address(address, bucket - i));
  }
  for (std::int64_t i = 0; i < kBucketsPerWindow; ++i) command.push_back(keys_.onboard_failures_global(bucket - i));
  auto result = co_await redis.exec(std::move(command));
  if (redis_failed(result)) co_return describe_redis_failure(result);
  const auto& counts = result.reply.elements;
  if (!result.reply.is_array() || counts.size() != 2 * kBucketsPerWindow) co_return false;
  std::uint64_t by_address = 0, global = 0;
  for (std::int64_t i = 0; i < kBucketsPerWindow; ++i) {
    by_address += count_of(counts[i]);
    global += count_of(counts[kBucketsPerWindow + i]);
  }
  co_return by_address >= per_address_limit_ || global >= global_limit_;
}

asio::awaitable<void> OnboardLimiter::count_failure(redis::Connection& redis, const std::string& address) const {
  auto bucket = current_bucket();
  auto result = co_await redis.eval("count_onboard_failure",
                                    mi::redis::args(keys_.onboard_failures_by_address(address, bucket),
                                     keys_.onboard_failures_global(bucket)),
                                    {});
  if (redis_failed(result)) log::warn("could not count a failed onboard attempt from ", address);
}

}  // namespace mi::hub
