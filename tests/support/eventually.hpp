#pragma once
// Waiting for state that a hub changes on its own time (a Redis key, a metric): the wait ends as
// soon as the state is there, so a test is as slow as the hub and no slower, and never reads the
// state too early on a slow machine.

#include <chrono>
#include <thread>

namespace mi::test {

// Polls `condition` until it holds or `timeout` has passed; whether it held.
template <class Condition>
bool eventually(Condition condition, std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

}  // namespace mi::test
