// When the event subscription counts as wedged: inputs in, decisions out, time as an argument.
#include <catch2/catch.hpp>

#include "hub/fanout/subscription_probe.hpp"

using mi::hub::SubscriptionProbe;
using Action = SubscriptionProbe::Action;
using namespace std::chrono_literals;

TEST_CASE("a probe every period; one back in time changes nothing", "[subscription-probe]") {
  SubscriptionProbe probe(5s, 2s);
  const SubscriptionProbe::Clock::time_point t0{};
  CHECK(probe.on_tick(t0, true) == Action::none);  // a period after the subscription is up
  CHECK(probe.on_tick(t0 + 4999ms, true) == Action::none);
  CHECK(probe.on_tick(t0 + 5s, true) == Action::publish);
  const auto first = probe.probe_number();
  CHECK(probe.on_published(first, 1) == Action::none);
  CHECK(probe.on_tick(t0 + 6s, true) == Action::none);
  probe.on_received(first);
  CHECK(probe.on_tick(t0 + 8s, true) == Action::none);  // the deadline passed, but it came back
  CHECK(probe.on_tick(t0 + 10s, true) == Action::publish);
  CHECK(probe.probe_number() != first);
}

TEST_CASE("a probe not back within the deadline rebuilds the subscription", "[subscription-probe]") {
  SubscriptionProbe probe(5s, 2s);
  const SubscriptionProbe::Clock::time_point t0{};
  probe.on_tick(t0, true);
  REQUIRE(probe.on_tick(t0 + 5s, true) == Action::publish);
  const auto lost = probe.probe_number();
  CHECK(probe.on_published(lost, 1) == Action::none);
  CHECK(probe.on_tick(t0 + 6999ms, true) == Action::none);
  CHECK(probe.on_tick(t0 + 7s, true) == Action::rebuild);
  CHECK(probe.on_tick(t0 + 7100ms, true) == Action::none);  // once
  probe.on_received(lost);                                   // late: nothing to undo
  // The new link is confirmed: probing starts again a period later.
  probe.on_resubscribed();
  CHECK(probe.on_tick(t0 + 8s, true) == Action::none);
  CHECK(probe.on_tick(t0 + 13s, true) == Action::publish);
}

TEST_CASE("a probe that Redis delivered to nobody rebuilds at once", "[subscription-probe]") {
  SubscriptionProbe probe(5s, 2s);
  const SubscriptionProbe::Clock::time_point t0{};
  probe.on_tick(t0, true);
  REQUIRE(probe.on_tick(t0 + 5s, true) == Action::publish);
  CHECK(probe.on_published(probe.probe_number() + 1, 0) == Action::none);  // not this probe's answer
  CHECK(probe.on_published(probe.probe_number(), 0) == Action::rebuild);
}

TEST_CASE("no verdict while the link is down, or when the PUBLISH itself failed", "[subscription-probe]") {
  SubscriptionProbe probe(5s, 2s);
  const SubscriptionProbe::Clock::time_point t0{};
  probe.on_tick(t0, true);
  REQUIRE(probe.on_tick(t0 + 5s, true) == Action::publish);
  const auto number = probe.probe_number();

  SECTION("the command link failed: the subscription is not to blame") {
    CHECK(probe.on_published(number, std::nullopt) == Action::none);
    CHECK(probe.on_tick(t0 + 9s, true) == Action::none);
    CHECK(probe.on_tick(t0 + 10s, true) == Action::publish);
  }
  SECTION("the subscriber's link went down: its supervisor brings it back") {
    CHECK(probe.on_tick(t0 + 6s, false) == Action::none);
    CHECK(probe.on_tick(t0 + 20s, false) == Action::none);
    CHECK(probe.on_tick(t0 + 21s, true) == Action::none);  // up again: a period before the next
    CHECK(probe.on_tick(t0 + 26s, true) == Action::publish);
  }
}
