#include "hub/onboard_limiter.hpp"

#include <charconv>

#include "hub/clock.hpp"
#include "hub/log.hpp"
#include "hub/redis/args.hpp"
#include "hub/redis_failure.hpp"

namespace mi::hub {

namespace asio = boost::asio;

namespace {
std::int64_t current_minute() { return now_ms() / 60'000; }

std::uint64_t count_of(const redis::Reply& reply) {
  std::uint64_t value = 0;
  if (reply.is_string()) std::from_chars(reply.str.data(), reply.str.data() + reply.str.size(), value);
  return value;
}
}  // namespace

asio::awaitable<Outcome<bool>> OnboardLimiter::over_budget(redis::Connection& redis,
                                                           const std::string& address) const {
  auto minute = current_minute();
  auto result = co_await redis.exec(mi::redis::args("MGET", keys_.onboard_failures_by_address(address, minute),
                                     keys_.onboard_failures_global(minute)));
  if (redis_failed(result)) co_return describe_redis_failure(result);
  if (!result.reply.is_array() || result.reply.elements.size() != 2) co_return false;
  co_return count_of(result.reply.elements[0]) >= per_address_limit_ ||
      count_of(result.reply.elements[1]) >= global_limit_;
}

asio::awaitable<void> OnboardLimiter::count_failure(redis::Connection& redis, const std::string& address) const {
  auto minute = current_minute();
  auto result = co_await redis.eval("count_onboard_failure",
                                    mi::redis::args(keys_.onboard_failures_by_address(address, minute),
                                     keys_.onboard_failures_global(minute)),
                                    {});
  if (redis_failed(result)) log::warn("could not count a failed onboard attempt from ", address);
}

}  // namespace mi::hub
