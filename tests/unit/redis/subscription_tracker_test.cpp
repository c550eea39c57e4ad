// The pub/sub decisions: channels wanted and confirmed, confirmation callbacks and deadlines,
// resubscription after a reconnect. Inputs in, actions out, no sockets, time as an argument.
#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <vector>

#include "hub/redis/subscription_tracker.hpp"

using mi::redis::detail::Clock;
using mi::redis::detail::SubscriptionAction;
using mi::redis::detail::SubscriptionActions;
using mi::redis::detail::SubscriptionTracker;
using namespace std::chrono_literals;

namespace {

const Clock::time_point t0 = Clock::time_point{} + 1h;
constexpr auto timeout = 2000ms;

// One line per action; deadlines relative to t0. Running the callbacks of run_callbacks is up to
// the test (ran()).
std::string describe(const SubscriptionAction& action) {
  using Kind = SubscriptionAction::Kind;
  const auto channels = [&] {
    std::string out;
    for (const auto& channel : action.channels) out += " " + channel;
    return out;
  };
  switch (action.kind) {
    case Kind::send_subscribe:
      return "SUBSCRIBE" + channels();
    case Kind::send_unsubscribe:
      return "UNSUBSCRIBE" + channels();
    case Kind::run_callbacks:
      return "run " + std::to_string(action.callbacks.size()) + " callbacks";
    case Kind::announce_resubscribed:
      return "resubscribed";
    case Kind::watch_deadline:
      return "watch t0+" + std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(action.deadline - t0).count()) + "ms";
    case Kind::drop_link:
      return "drop_link";
  }
  return "?";
}

using Script = std::vector<std::string>;

Script described(const SubscriptionActions& actions) {
  Script out;
  for (const auto& action : actions) out.push_back(describe(action));
  return out;
}

// Runs the callbacks the actions hand over, as the client's executor would.
void run_callbacks(SubscriptionActions& actions) {
  for (auto& action : actions)
    for (auto& callback : action.callbacks) callback();
}

}  // namespace

TEST_CASE("channels subscribed before the link is ready are subscribed once it is", "[subscription]") {
  SubscriptionTracker tracker(timeout);
  CHECK(described(tracker.subscribe("b", {}, t0)).empty());
  CHECK(described(tracker.subscribe("a", {}, t0)).empty());
  CHECK(described(tracker.subscribe("a", {}, t0)).empty());
  CHECK(tracker.wants("a"));
  CHECK_FALSE(tracker.confirmed("a"));

  CHECK(described(tracker.on_link_ready(t0 + 1s)) == Script{"SUBSCRIBE a b", "watch t0+3000ms"});
  CHECK(tracker.awaiting_confirmation() == 2);
  CHECK(described(tracker.on_confirmation("a")).empty());
  CHECK(tracker.confirmed("a"));
  CHECK(described(tracker.on_confirmation("b")) == Script{"resubscribed"});
  CHECK(tracker.awaiting_confirmation() == 0);
}

TEST_CASE("with no channel, the link's start announces at once", "[subscription]") {
  SubscriptionTracker tracker(timeout);
  CHECK(described(tracker.on_link_ready(t0)) == Script{"resubscribed"});
  CHECK(described(tracker.check_deadline(t0 + 1h)).empty());
}

TEST_CASE("a channel subscribed while the link is ready is sent alone, and once", "[subscription]") {
  SubscriptionTracker tracker(timeout);
  tracker.on_link_ready(t0);
  CHECK(described(tracker.subscribe("c", {}, t0 + 1s)) == Script{"SUBSCRIBE c", "watch t0+3000ms"});
  CHECK(described(tracker.subscribe("c", {}, t0 + 2s)).empty());
  CHECK(tracker.awaiting_confirmation() == 1);
  // Not part of a resubscription: its confirmation announces nothing.
  CHECK(described(tracker.on_confirmation("c")).empty());
}

TEST_CASE("confirmation callbacks run once, at the confirmation or at once if confirmed", "[subscription]") {
  SubscriptionTracker tracker(timeout);
  int first = 0, second = 0, third = 0;
  CHECK(described(tracker.subscribe("a", [&] { ++first; }, t0)).empty());
  tracker.on_link_ready(t0);
  CHECK(described(tracker.subscribe("a", [&] { ++second; }, t0)).empty());  // waits with the first

  auto confirmed = tracker.on_confirmation("a");
  CHECK(described(confirmed) == Script{"run 2 callbacks", "resubscribed"});
  run_callbacks(confirmed);
  CHECK(first == 1);
  CHECK(second == 1);

  auto at_once = tracker.subscribe("a", [&] { ++third; }, t0);
  CHECK(described(at_once) == Script{"run 1 callbacks"});
  run_callbacks(at_once);
  CHECK(third == 1);

  // The next link confirms the channel again; nobody is called again.
  tracker.on_link_down();
  tracker.on_link_ready(t0 + 10s);
  CHECK(described(tracker.on_confirmation("a")) == Script{"resubscribed"});
  CHECK(first + second + third == 3);
}

TEST_CASE("a callback waiting when the link goes down runs at the confirmation on the next one", "[subscription]") {
  SubscriptionTracker tracker(timeout);
  int called = 0;
  tracker.on_link_ready(t0);
  CHECK(described(tracker.subscribe("x", [&] { ++called; }, t0)) == Script{"SUBSCRIBE x", "watch t0+2000ms"});
  tracker.on_link_down();
  // Subscribed while down: remembered, but not confirmed, so its callback waits too.
  CHECK(described(tracker.subscribe("y", [&] { ++called; }, t0 + 1s)).empty());

  CHECK(described(tracker.on_link_ready(t0 + 5s)) == Script{"SUBSCRIBE x y", "watch t0+7000ms"});
  auto x = tracker.on_confirmation("x");
  CHECK(described(x) == Script{"run 1 callbacks"});
  auto y = tracker.on_confirmation("y");
  CHECK(described(y) == Script{"run 1 callbacks", "resubscribed"});
  run_callbacks(x);
  run_callbacks(y);
  CHECK(called == 2);
}

TEST_CASE("unsubscribe while a confirmation is pending", "[subscription]") {
  SubscriptionTracker tracker(timeout);
  int called = 0;
  tracker.on_link_ready(t0);
  tracker.subscribe("a", [&] { ++called; }, t0);
  CHECK(described(tracker.unsubscribe("a")) == Script{"UNSUBSCRIBE a"});
  CHECK_FALSE(tracker.wants("a"));  // nothing is delivered for it from now on
  CHECK(described(tracker.unsubscribe("a")).empty());

  // Redis still confirms the SUBSCRIBE first: it is due, but confirms nothing and calls nobody.
  CHECK(tracker.awaiting_confirmation() == 1);
  CHECK(described(tracker.on_confirmation("a")).empty());
  CHECK(tracker.awaiting_confirmation() == 0);
  CHECK_FALSE(tracker.confirmed("a"));
  CHECK(called == 0);

  // Unsubscribed while there is no link: nothing to send, and not subscribed again.
  tracker.subscribe("b", {}, t0);
  tracker.on_link_down();
  CHECK(described(tracker.unsubscribe("b")).empty());
  CHECK(described(tracker.on_link_ready(t0)) == Script{"resubscribed"});
}

TEST_CASE("after a reconnect everything is subscribed again in batches of 256, announced once all are confirmed",
          "[subscription]") {
  SubscriptionTracker tracker(timeout);
  std::vector<std::string> channels;
  for (int i = 0; i < 600; ++i) channels.push_back("channel-" + std::to_string(1000 + i));  // sorted as numbered
  for (const auto& channel : channels) tracker.subscribe(channel, {}, t0);
  tracker.on_link_ready(t0);
  for (const auto& channel : channels) tracker.on_confirmation(channel);
  tracker.on_link_down();
  CHECK_FALSE(tracker.confirmed("channel-1000"));  // the link is gone, so are its confirmations
  CHECK(tracker.wants("channel-1000"));

  const auto actions = tracker.on_link_ready(t0 + 1min);
  REQUIRE(actions.size() == 4);
  std::vector<std::string> sent;
  for (std::size_t i = 0; i < 3; ++i) {
    CHECK(actions[i].kind == SubscriptionAction::Kind::send_subscribe);
    sent.insert(sent.end(), actions[i].channels.begin(), actions[i].channels.end());
  }
  CHECK(actions[0].channels.size() == 256);
  CHECK(actions[1].channels.size() == 256);
  CHECK(actions[2].channels.size() == 88);
  CHECK(sent == channels);
  CHECK(describe(actions[3]) == "watch t0+62000ms");

  // A channel subscribed meanwhile is confirmed after them and is not counted.
  CHECK(described(tracker.subscribe("late", {}, t0 + 1min)) == Script{"SUBSCRIBE late", "watch t0+62000ms"});
  for (std::size_t i = 0; i + 1 < channels.size(); ++i) CHECK(tracker.on_confirmation(channels[i]).empty());
  CHECK(described(tracker.on_confirmation(channels.back())) == Script{"resubscribed"});
  CHECK(described(tracker.on_confirmation("late")).empty());
}

TEST_CASE("a resubscription cut short by the link's loss starts over on the next link", "[subscription]") {
  SubscriptionTracker tracker(timeout);
  tracker.subscribe("a", {}, t0);
  tracker.subscribe("b", {}, t0);
  tracker.on_link_ready(t0);
  CHECK(tracker.on_confirmation("a").empty());
  tracker.on_link_down();
  CHECK(described(tracker.on_link_ready(t0 + 1s)) == Script{"SUBSCRIBE a b", "watch t0+3000ms"});
  CHECK(tracker.on_confirmation("a").empty());
  CHECK(described(tracker.on_confirmation("b")) == Script{"resubscribed"});
}

TEST_CASE("a confirmation past its deadline drops the link", "[subscription]") {
  SubscriptionTracker tracker(timeout);
  tracker.on_link_ready(t0);
  CHECK(described(tracker.check_deadline(t0)).empty());  // nothing due
  tracker.subscribe("a", {}, t0);
  tracker.subscribe("b", {}, t0 + 1s);

  CHECK(described(tracker.check_deadline(t0 + 1500ms)) == Script{"watch t0+2000ms"});
  SECTION("the oldest passes") {
    CHECK(described(tracker.check_deadline(t0 + 2s)) == Script{"drop_link"});
  }
  SECTION("the oldest is confirmed: the next one is watched") {
    tracker.on_confirmation("a");
    CHECK(described(tracker.check_deadline(t0 + 2500ms)) == Script{"watch t0+3000ms"});
    CHECK(described(tracker.check_deadline(t0 + 3001ms)) == Script{"drop_link"});
  }
  SECTION("the link goes down: nothing is due any more") {
    tracker.on_link_down();
    CHECK(tracker.awaiting_confirmation() == 0);
    CHECK(described(tracker.check_deadline(t0 + 1h)).empty());
  }
}

TEST_CASE("while the link is down nothing is sent and nothing is confirmed", "[subscription]") {
  SubscriptionTracker tracker(timeout);
  tracker.subscribe("a", {}, t0);
  tracker.on_link_ready(t0);
  tracker.on_confirmation("a");
  CHECK(tracker.confirmed("a"));

  tracker.on_link_down();
  CHECK_FALSE(tracker.confirmed("a"));
  int called = 0;
  // Confirmed no more: the callback waits for the next link's confirmation.
  CHECK(described(tracker.subscribe("a", [&] { ++called; }, t0)).empty());
  CHECK(described(tracker.subscribe("b", {}, t0)).empty());
  CHECK(tracker.wants("a"));
  CHECK(tracker.wants("b"));
  CHECK(called == 0);
}
