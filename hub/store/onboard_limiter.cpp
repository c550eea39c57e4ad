#include "hub/store/onboard_limiter.hpp"

#include <charconv>

#include "hub/core/log.hpp"
#include "hub/redis/args.hpp"
#include "hub/store/redis_failure.hpp"

namespace mi::hub {

namespace asio = boost::asio;
using onboard_window::kBucketsPerWindow;

namespace {

std::uint64_t count_of(const redis::Reply& reply) {
  std::uint64_t value = 0;
  if (reply.is_string()) std::from_chars(reply.str.data(), reply.str.data() + reply.str.size(), value);
  return value;
}

}  // namespace

std::vector<std::string> OnboardLimiter::counted_keys(const std::string& address, std::int64_t now_ms) const {
  const auto buckets = onboard_window::buckets_counted_at(now_ms);
  std::vector<std::string> keys;
  keys.reserve(2 * buckets.size());
  for (auto bucket : buckets) keys.push_back(keys_.onboard_failures_by_address(address, bucket));
  for (auto bucket : buckets) keys.push_back(keys_.onboard_failures_global(bucket));
  return keys;
}

std::array<std::string, 2> OnboardLimiter::failure_keys(const std::string& address, std::int64_t now_ms) const {
  const auto bucket = onboard_window::bucket_at(now_ms);
  return {keys_.onboard_failures_by_address(address, bucket), keys_.onboard_failures_global(bucket)};
}

bool OnboardLimiter::verdict(const redis::Reply& counts) const {
  const auto& elements = counts.elements;
  if (!counts.is_array() || elements.size() != 2 * kBucketsPerWindow) return false;
  std::uint64_t by_address = 0, global = 0;
  for (std::int64_t i = 0; i < kBucketsPerWindow; ++i) {
    by_address += count_of(elements[i]);
    global += count_of(elements[kBucketsPerWindow + i]);
  }
  return by_address >= per_address_limit_ || global >= global_limit_;
}

std::optional<std::int64_t> OnboardLimiter::retry_after_ms(const redis::Reply& counts, std::int64_t now_ms) const {
  if (!verdict(counts)) return std::nullopt;
  const auto& elements = counts.elements;
  // After k more bucket boundaries the k oldest buckets of this window no longer count.
  for (std::int64_t gone = 1; gone <= kBucketsPerWindow; ++gone) {
    std::uint64_t by_address = 0, global = 0;
    for (std::int64_t i = 0; i < kBucketsPerWindow - gone; ++i) {  // newest first
      by_address += count_of(elements[i]);
      global += count_of(elements[kBucketsPerWindow + i]);
    }
    if (by_address < per_address_limit_ && global < global_limit_) {
      return (onboard_window::bucket_at(now_ms) + gone) * onboard_window::kBucketMs - now_ms;
    }
  }
  return (onboard_window::bucket_at(now_ms) + kBucketsPerWindow) * onboard_window::kBucketMs - now_ms;
}

asio::awaitable<Outcome<std::optional<std::int64_t>>> OnboardLimiter::over_budget(redis::Connection& redis,
                                                                                  const std::string& address,
                                                                                  std::int64_t now_ms) const {
  std::vector<std::string> command{"MGET"};
  auto keys = counted_keys(address, now_ms);
  command.insert(command.end(), std::make_move_iterator(keys.begin()), std::make_move_iterator(keys.end()));
  auto result = co_await redis.exec(std::move(command));
  if (redis_failed(result)) co_return describe_redis_failure(result);
  co_return retry_after_ms(result.reply, now_ms);
}


asio::awaitable<void> OnboardLimiter::count_failure(redis::Connection& redis, const std::string& address,
                                                    std::int64_t now_ms) const {
  auto [by_address, global] = failure_keys(address, now_ms);
  auto result = co_await redis.eval("count_onboard_failure", mi::redis::args(by_address, global), {});
  if (redis_failed(result)) log::warn("could not count a failed onboard attempt from ", address);
}


}  // namespace mi::hub
