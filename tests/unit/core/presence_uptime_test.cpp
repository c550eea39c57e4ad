// Uptime from scripted sequences of presence transitions, at a given `now`: no clock, no Redis.
#include <catch2/catch.hpp>

#include <vector>

#include "hub/core/presence_uptime.hpp"

using mi::hub::kDayMs;
using mi::hub::kHourMs;
using mi::hub::kWeekMs;
using mi::hub::online_fraction;
using mi::hub::uptime_windows;
using mi::protocol::PresenceTransition;

namespace {

constexpr std::int64_t kNow = 1'800'000'000'000;
constexpr std::int64_t kMinute = 60'000;

PresenceTransition online(std::int64_t ago, std::string reason = "") { return {kNow - ago, true, std::move(reason)}; }
PresenceTransition offline(std::int64_t ago, std::string reason = "closed") { return {kNow - ago, false, std::move(reason)}; }

}  // namespace

TEST_CASE("an agent that joined inside the window is measured over the time it existed", "[uptime]") {
  // Joined 30 minutes ago, online for 20 of them.
  const std::vector<PresenceTransition> history{offline(10 * kMinute), online(30 * kMinute, "join")};
  const auto uptime = uptime_windows(history, false, kNow - 30 * kMinute, kNow);
  CHECK(uptime.hour == Approx(20.0 / 30.0));
  CHECK(uptime.day == Approx(20.0 / 30.0));
  CHECK(uptime.week == Approx(20.0 / 30.0));
}

TEST_CASE("a window with no transition in it has the status of the transition before it", "[uptime]") {
  // Online since three days ago; joined ten days ago.
  const std::vector<PresenceTransition> history{online(3 * kDayMs), offline(5 * kDayMs), online(10 * kDayMs, "join")};
  const auto uptime = uptime_windows(history, true, kNow - 10 * kDayMs, kNow);
  CHECK(uptime.hour == Approx(1.0));
  CHECK(uptime.day == Approx(1.0));
  // Of the last 7 days: online from 7 to 5 days ago (since the join), offline from 5 to 3, online
  // for the last 3.
  CHECK(uptime.week == Approx(5.0 / 7.0));
}

TEST_CASE("before the oldest transition kept, the agent had the opposite status", "[uptime]") {
  // The history was trimmed: its oldest entry is "online" 50 minutes ago, so before it the agent
  // was offline (presence alternates), whatever the trimmed entries said.
  const std::vector<PresenceTransition> online_oldest{offline(10 * kMinute), online(50 * kMinute)};
  CHECK(online_fraction(online_oldest, false, kNow - 30 * kDayMs, kNow, kHourMs) == Approx(40.0 / 60.0));
  // Its oldest kept entry is "offline" 50 minutes ago: before it, online.
  const std::vector<PresenceTransition> offline_oldest{online(10 * kMinute), offline(50 * kMinute, "timeout")};
  CHECK(online_fraction(offline_oldest, true, kNow - 30 * kDayMs, kNow, kHourMs) == Approx(20.0 / 60.0));
}

TEST_CASE("with no transition at all the agent had its current status all along", "[uptime]") {
  const std::vector<PresenceTransition> none;
  const auto up = uptime_windows(none, true, kNow - 2 * kDayMs, kNow);
  CHECK(up.hour == Approx(1.0));
  CHECK(up.day == Approx(1.0));
  CHECK(up.week == Approx(1.0));
  const auto down = uptime_windows(none, false, kNow - 2 * kDayMs, kNow);
  CHECK(down.week == Approx(0.0));
}

TEST_CASE("a hosted clone is offline from its creation until its first online transition", "[uptime]") {
  // Created an hour and a half ago, first online 30 minutes ago, still online.
  const std::vector<PresenceTransition> history{online(30 * kMinute)};
  CHECK(online_fraction(history, true, kNow - 90 * kMinute, kNow, kHourMs) == Approx(0.5));
  CHECK(online_fraction(history, true, kNow - 90 * kMinute, kNow, kDayMs) == Approx(30.0 / 90.0));
}

TEST_CASE("an agent that has existed for no time yet counts as its status now", "[uptime]") {
  const std::vector<PresenceTransition> history{online(0, "join")};
  CHECK(online_fraction(history, true, kNow, kNow, kHourMs) == 1.0);
  CHECK(online_fraction({}, false, kNow + 5, kNow, kHourMs) == 0.0);
}

TEST_CASE("transitions whose times are out of order never make a negative span", "[uptime]") {
  // Two hubs' clocks disagree by a few ms: the newer transition carries the older time.
  const std::vector<PresenceTransition> history{online(10 * kMinute + 5), offline(10 * kMinute), online(40 * kMinute)};
  const double fraction = online_fraction(history, true, kNow - kWeekMs, kNow, kHourMs);
  CHECK(fraction >= 0.0);
  CHECK(fraction <= 1.0);
  CHECK(fraction == Approx(40.0 / 60.0).margin(0.001));
}

TEST_CASE("many short cycles add up", "[uptime]") {
  // Online 1 minute, offline 1 minute, for two hours: half of every window that holds them.
  std::vector<PresenceTransition> history;
  for (int minute = 1; minute <= 120; ++minute) {
    history.push_back(minute % 2 == 1 ? offline(minute * kMinute) : online(minute * kMinute));
  }
  CHECK(online_fraction(history, false, kNow - 120 * kMinute, kNow, kHourMs) == Approx(0.5));
  CHECK(online_fraction(history, false, kNow - 120 * kMinute, kNow, kDayMs) == Approx(0.5));
}
