#pragma once
// Budgets of failed onboard attempts (wrong codes), per source address and for the whole system,
// per minute and across hubs (the counters are in Redis). Over a budget every onboard is refused
// with rate_limited, so that guessing 6-letter codes stays hopeless. Only judged attempts count:
// a refused one adds nothing, so an honest user who retries is let back in once the failures
// leave the window, and the refusal says when (retry_after).
//
// A minute is a sliding window of six 10-second buckets: the failures of the last 50 to 60
// seconds count. With one counter per calendar minute, a burst that straddled a minute's boundary
// would get up to twice its budget, and a refusal would lift at the boundary, seconds later.
//
// The window's arithmetic (which buckets count at a time, which one a failure goes into, the
// verdict from their counts) is free of I/O and of the clock: the callers pass `now_ms`.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "hub/core/api_error.hpp"
#include "hub/redis/connection.hpp"
#include "hub/redis/reply.hpp"
#include "hub/store/keys.hpp"

namespace mi::hub {

namespace onboard_window {

inline constexpr std::int64_t kBucketMs = 10'000;
inline constexpr std::int64_t kBucketsPerWindow = 6;

// The bucket that a failure at `now_ms` (unix ms) is counted in.
constexpr std::int64_t bucket_at(std::int64_t now_ms) { return now_ms / kBucketMs; }

// The buckets whose failures count at `now_ms`, newest first: the current one and the five
// before it.
constexpr std::array<std::int64_t, kBucketsPerWindow> buckets_counted_at(std::int64_t now_ms) {
  std::array<std::int64_t, kBucketsPerWindow> buckets{};
  for (std::int64_t i = 0; i < kBucketsPerWindow; ++i) buckets[i] = bucket_at(now_ms) - i;
  return buckets;
}

}  // namespace onboard_window

class OnboardLimiter {
 public:
  OnboardLimiter(const Keys& keys, std::uint32_t per_address_limit, std::uint32_t global_limit)
      : keys_(keys), per_address_limit_(per_address_limit), global_limit_(global_limit) {}

  // Nothing when `address` and the system are within their budgets at `now_ms`; else how long
  // (ms) until an attempt from `address` would be judged again (retry_after_ms()).
  boost::asio::awaitable<Outcome<std::optional<std::int64_t>>> over_budget(redis::Connection& redis,
                                                                           const std::string& address,
                                                                           std::int64_t now_ms) const;

  // Counts a failed attempt from `address` at `now_ms`.
  boost::asio::awaitable<void> count_failure(redis::Connection& redis, const std::string& address,
                                             std::int64_t now_ms) const;

  // The counters that make the budgets at `now_ms`, for one MGET: the address's buckets of the
  // window, then the system's, each newest first.
  std::vector<std::string> counted_keys(const std::string& address, std::int64_t now_ms) const;

  // The counters that a failure from `address` at `now_ms` adds one to: the address's, then
  // the system's (KEYS of count_onboard_failure.lua).
  std::array<std::string, 2> failure_keys(const std::string& address, std::int64_t now_ms) const;

  // The verdict from the MGET of counted_keys(): over budget once the address's failures or the
  // system's reach their limit. A missing counter is zero; a reply of another shape is not a
  // refusal (Redis answered, but nothing says the budget is used up).
  bool verdict(const redis::Reply& counts) const;

  // From the same counts read at `now_ms`: nothing when within budget, else the ms until enough
  // of the oldest buckets have left the window for both sums to be under their limits. Refused
  // attempts are not counted, so an address that waits that long is judged again (unless other
  // failures came meanwhile: the system's budget counts every address).
  std::optional<std::int64_t> retry_after_ms(const redis::Reply& counts, std::int64_t now_ms) const;

 private:
  const Keys& keys_;
  std::uint32_t per_address_limit_;
  std::uint32_t global_limit_;
};

}  // namespace mi::hub
