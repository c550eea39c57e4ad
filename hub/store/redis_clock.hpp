#pragma once
// This hub's clock as Redis' clock (TIME) reads it. A script that must refuse work its hub has
// given up on (past_deadline, redis-scripts/prelude.lua) compares a deadline with TIME, so the
// hub writes the deadline on Redis' clock, and the two clocks need not agree. The offset is
// learned from each liveness beat, whose script answers with Redis' time; a beat whose round trip
// was long (Redis busy or stalled) says too little about when Redis read its clock, and is not
// used. Time is an argument; thread-safe (the beat runs on one shard, deadlines are written on
// every shard).

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>

namespace mi::hub {

class RedisClock {
 public:
  // `max_round_trip`: the longest beat round trip whose reading is used; half of it bounds the
  // error of the offset.
  explicit RedisClock(std::chrono::milliseconds max_round_trip) : max_round_trip_ms_(max_round_trip.count()) {}

  // A beat sent at `sent_ms` and answered at `received_ms` (this hub's clock) read `redis_ms`
  // on Redis' clock. True when the reading was used.
  bool observe(std::int64_t redis_ms, std::int64_t sent_ms, std::int64_t received_ms) {
    if (received_ms < sent_ms || received_ms - sent_ms > max_round_trip_ms_) return false;
    offset_ms_.store(redis_ms - (sent_ms + (received_ms - sent_ms) / 2), std::memory_order_relaxed);
    known_.store(true, std::memory_order_release);
    return true;
  }

  // `local_ms` of this hub's clock on Redis' clock; nothing before a reading was used.
  std::optional<std::int64_t> to_redis(std::int64_t local_ms) const {
    if (!known_.load(std::memory_order_acquire)) return std::nullopt;
    return local_ms + offset_ms_.load(std::memory_order_relaxed);
  }

 private:
  std::int64_t max_round_trip_ms_;
  std::atomic<std::int64_t> offset_ms_{0};
  std::atomic<bool> known_{false};
};

}  // namespace mi::hub
