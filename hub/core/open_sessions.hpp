#pragma once
// The WebSocket sessions open in the process, across shards, for the drain to wait on: the last
// one to end wakes it. Counting is one atomic operation; only the session that brings the count
// to zero takes the lock, to wake a waiter.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>

namespace mi::hub {

class OpenSessions {
 public:
  void opened() { count_.fetch_add(1, std::memory_order_relaxed); }
  void closed() {
    if (count_.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
    // Taken after the count changed, the lock orders this wake-up after a waiter's check of it.
    std::lock_guard lock(mutex_);
    none_open_.notify_all();
  }
  std::int64_t count() const { return count_.load(std::memory_order_acquire); }

  // Blocks until no session is open or `deadline` has passed; returns how many are still open.
  std::int64_t wait_for_none(std::chrono::steady_clock::time_point deadline) {
    std::unique_lock lock(mutex_);
    none_open_.wait_until(lock, deadline, [this] { return count() <= 0; });
    return count();
  }

 private:
  std::atomic<std::int64_t> count_{0};
  std::mutex mutex_;
  std::condition_variable none_open_;
};

}  // namespace mi::hub
