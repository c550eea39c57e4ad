#pragma once
// Budgets of failed onboard attempts (wrong codes), per source address and for the whole system,
// per minute and across hubs (the counters are in Redis). Over a budget every onboard is refused
// with rate_limited, so that guessing 6-letter codes stays hopeless.
//
// A minute is a sliding window of six 10-second buckets: the failures of the last 50 to 60
// seconds count. With one counter per calendar minute, a burst that straddled a minute's boundary
// would get up to twice its budget, and a refusal would lift at the boundary, seconds later.

#include <cstdint>
#include <string>

#include <boost/asio/awaitable.hpp>

#include "hub/core/api_error.hpp"
#include "hub/store/keys.hpp"
#include "hub/redis/connection.hpp"

namespace mi::hub {

class OnboardLimiter {
 public:
  OnboardLimiter(const Keys& keys, std::uint32_t per_address_limit, std::uint32_t global_limit)
      : keys_(keys), per_address_limit_(per_address_limit), global_limit_(global_limit) {}

  // True when `address` or the system has used up its budget of the window.
  boost::asio::awaitable<Outcome<bool>> over_budget(redis::Connection& redis, const std::string& address) const;

  boost::asio::awaitable<void> count_failure(redis::Connection& redis, const std::string& address) const;

 private:
  const Keys& keys_;
  std::uint32_t per_address_limit_;
  std::uint32_t global_limit_;
};

}  // namespace mi::hub
