#include <catch2/catch.hpp>

#include <chrono>
#include <thread>

#include "hub/core/open_sessions.hpp"

using mi::hub::OpenSessions;
using Clock = std::chrono::steady_clock;

TEST_CASE("with no session open the drain does not wait", "[open-sessions]") {
  OpenSessions sessions;
  CHECK(sessions.wait_for_none(Clock::now() + std::chrono::hours(1)) == 0);
  sessions.opened();
  sessions.closed();
  CHECK(sessions.wait_for_none(Clock::now() + std::chrono::hours(1)) == 0);
}

TEST_CASE("past the deadline the drain says how many are still open", "[open-sessions]") {
  OpenSessions sessions;
  sessions.opened();
  sessions.opened();
  sessions.closed();
  CHECK(sessions.wait_for_none(Clock::now() - std::chrono::seconds(1)) == 1);
  CHECK(sessions.count() == 1);
}

TEST_CASE("the last session to close, on another thread, wakes the drain", "[open-sessions]") {
  OpenSessions sessions;
  sessions.opened();
  sessions.opened();
  std::thread shard([&] {
    sessions.closed();
    sessions.closed();
  });
  // Without the wake-up the wait would last until the deadline.
  auto deadline = Clock::now() + std::chrono::seconds(60);
  CHECK(sessions.wait_for_none(deadline) == 0);
  CHECK(Clock::now() < deadline);
  shard.join();
}
