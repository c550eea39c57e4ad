#pragma once
// A counter that one thread bumps and any thread may read, such as a shard's Redis counters read
// by /metrics on whichever shard serves it. Relaxed atomics: a reader sees some recent value, and
// the writer pays a plain load and store, no locked instruction (it is the only writer).

#include <atomic>
#include <cstdint>

namespace mi::hub {

class RelaxedCounter {
 public:
  // Only from the owning thread.
  void add(std::uint64_t n) { value_.store(value_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed); }
  RelaxedCounter& operator++() {
    add(1);
    return *this;
  }
  RelaxedCounter& operator+=(std::uint64_t n) {
    add(n);
    return *this;
  }
  // From any thread.
  std::uint64_t load() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> value_{0};
};

}  // namespace mi::hub
