// The connect/reconnect decisions of a Redis link: inputs in, actions out, no sockets, no timers.
#include <catch2/catch.hpp>

#include <chrono>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "hub/redis/supervisor_fsm.hpp"

namespace redis = mi::redis;
using redis::detail::SupervisorAction;
using redis::detail::SupervisorActions;
using redis::detail::SupervisorFsm;
using State = SupervisorFsm::State;
using namespace std::chrono_literals;

namespace {

using Duration = mi::hub::JitteredBackoff::Duration;

std::string describe(const SupervisorAction& action) {
  using Kind = SupervisorAction::Kind;
  const auto ms = [](Duration d) { return std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(d).count()) + "ms"; };
  switch (action.kind) {
    case Kind::arm_connect_deadline:
      return "arm_connect_deadline #" + std::to_string(action.attempt) + " " + ms(action.delay);
    case Kind::open_link:
      return "open_link #" + std::to_string(action.attempt);
    case Kind::cancel_connect_deadline:
      return "cancel_connect_deadline";
    case Kind::send_setup:
      return "send_setup";
    case Kind::ready:
      return "ready";
    case Kind::wait:
      return "wait " + ms(action.delay);
    case Kind::cancel_wait:
      return "cancel_wait";
    case Kind::close_link:
      return "close_link " + redis::make_error_code(action.reason).message();
    case Kind::discover_primary:
      return "discover_primary #" + std::to_string(action.attempt);
    case Kind::stop_discovery:
      return "stop_discovery";
  }
  return "?";
}

using Script = std::vector<std::string>;

Script described(const SupervisorActions& actions) {
  Script out;
  for (const auto& action : actions) out.push_back(describe(action));
  return out;
}

const std::string lost = redis::make_error_code(redis::Errc::connection_lost).message();
const std::string shut_down = redis::make_error_code(redis::Errc::shut_down).message();

SupervisorFsm::Config config(bool has_setup = false) {
  return {.connect_timeout = 2000ms, .backoff_min = 100ms, .backoff_max = 5000ms, .has_setup = has_setup};
}

// Every delay at the top of its range, so that the ceilings show; the ranges offered are kept.
struct HighestDraw {
  std::vector<std::pair<Duration, Duration>> offered;
  mi::hub::JitteredBackoff::Draw draw() {
    return [this](Duration low, Duration high) {
      offered.emplace_back(low, high);
      return high;
    };
  }
};

}  // namespace

TEST_CASE("first connect: start opens a link under the connect deadline, and connected is ready", "[supervisor]") {
  HighestDraw random;
  SupervisorFsm fsm(config(), random.draw());
  CHECK(fsm.state() == State::idle);

  CHECK(described(fsm.on_start()) == Script{"arm_connect_deadline #1 2000ms", "open_link #1"});
  CHECK(fsm.state() == State::connecting);
  CHECK(described(fsm.on_start()).empty());  // once

  CHECK(described(fsm.on_link_connected()) == Script{"cancel_connect_deadline", "ready"});
  CHECK(fsm.state() == State::ready);
  CHECK(fsm.reconnects() == 0);  // the first connection is not a reconnection

  // Inputs that do not apply to a ready link change nothing.
  CHECK(described(fsm.on_link_connected()).empty());
  CHECK(described(fsm.on_setup_ok()).empty());
  CHECK(described(fsm.on_setup_failed()).empty());
  CHECK(described(fsm.on_backoff_elapsed()).empty());
  CHECK(described(fsm.on_connect_deadline_passed(1)).empty());
  CHECK(fsm.state() == State::ready);
  CHECK(random.offered.empty());
}

TEST_CASE("with a setup (AUTH, SELECT), the link is usable only once the setup succeeds", "[supervisor]") {
  HighestDraw random;
  SupervisorFsm fsm(config(true), random.draw());
  fsm.on_start();
  CHECK(described(fsm.on_link_connected()) == Script{"send_setup"});
  CHECK(fsm.state() == State::connecting);  // commands are refused until the setup is answered

  SECTION("answered in time") {
    CHECK(described(fsm.on_setup_ok()) == Script{"cancel_connect_deadline", "ready"});
    CHECK(fsm.state() == State::ready);
  }
  SECTION("not answered: the connect deadline covers the setup too") {
    CHECK(described(fsm.on_connect_deadline_passed(1)) == Script{"close_link " + lost});
    CHECK(described(fsm.on_link_lost()) == Script{"cancel_connect_deadline", "wait 100ms"});
    CHECK(described(fsm.on_setup_ok()).empty());  // the old link's, if it ever came
    CHECK(fsm.state() == State::waiting);
  }
}

TEST_CASE("a refused setup closes the link, and its loss waits a backoff", "[supervisor]") {
  HighestDraw random;
  SupervisorFsm fsm(config(true), random.draw());
  fsm.on_start();
  fsm.on_link_connected();
  CHECK(described(fsm.on_setup_failed()) == Script{"close_link " + lost});
  CHECK(fsm.state() == State::connecting);  // until the link is gone

  CHECK(described(fsm.on_link_lost()) == Script{"cancel_connect_deadline", "wait 100ms"});
  CHECK(fsm.state() == State::waiting);
  CHECK(described(fsm.on_setup_failed()).empty());  // a late report of the old link

  CHECK(described(fsm.on_backoff_elapsed()) == Script{"arm_connect_deadline #2 2000ms", "open_link #2"});
  CHECK(described(fsm.on_link_connected()) == Script{"send_setup"});
  fsm.on_setup_failed();
  CHECK(described(fsm.on_link_lost()) == Script{"cancel_connect_deadline", "wait 200ms"});
}

TEST_CASE("with sentinels, every attempt asks them for the primary before it connects", "[supervisor][sentinel]") {
  HighestDraw random;
  auto sentinel_config = config(true);
  sentinel_config.discover_primary = true;
  SupervisorFsm fsm(sentinel_config, random.draw());

  CHECK(described(fsm.on_start()) == Script{"arm_connect_deadline #1 2000ms", "discover_primary #1"});
  CHECK(fsm.state() == State::discovering);
  CHECK(described(fsm.on_link_connected()).empty());  // no link yet
  CHECK(described(fsm.on_primary_found(0)).empty());  // an answer to an older attempt
  CHECK(described(fsm.on_primary_found(1)) == Script{"open_link #1"});
  CHECK(fsm.state() == State::connecting);
  CHECK(described(fsm.on_primary_found(1)).empty());  // once
  CHECK(described(fsm.on_link_connected()) == Script{"send_setup"});
  CHECK(described(fsm.on_setup_ok()) == Script{"cancel_connect_deadline", "ready"});

  SECTION("a failover announced while ready drops the link, then asks again") {
    CHECK(described(fsm.on_primary_moved()) == Script{"close_link " + lost});
    CHECK(described(fsm.on_link_lost()) == Script{"wait 100ms"});
    CHECK(described(fsm.on_primary_moved()).empty());  // nothing to drop while waiting
    CHECK(described(fsm.on_backoff_elapsed()) == Script{"arm_connect_deadline #2 2000ms", "discover_primary #2"});
  }
  SECTION("no sentinel answered: wait a backoff, then ask again") {
    fsm.on_link_lost();
    fsm.on_backoff_elapsed();
    CHECK(described(fsm.on_discovery_failed(1)).empty());  // an older attempt's
    CHECK(described(fsm.on_discovery_failed(2)) == Script{"cancel_connect_deadline", "wait 200ms"});
    CHECK(fsm.state() == State::waiting);
    CHECK(described(fsm.on_backoff_elapsed()) == Script{"arm_connect_deadline #3 2000ms", "discover_primary #3"});
  }
  SECTION("sentinels that do not answer in time: the connect deadline stops the asking") {
    fsm.on_link_lost();
    fsm.on_backoff_elapsed();
    CHECK(described(fsm.on_connect_deadline_passed(2)) == Script{"stop_discovery", "wait 200ms"});
    CHECK(fsm.state() == State::waiting);
    CHECK(described(fsm.on_primary_found(2)).empty());  // too late
  }
  SECTION("stop while asking") {
    fsm.on_link_lost();
    fsm.on_backoff_elapsed();
    CHECK(described(fsm.on_stop()) == Script{"cancel_connect_deadline", "stop_discovery"});
    CHECK(described(fsm.on_primary_found(2)).empty());
  }
}

TEST_CASE("failed connects wait a backoff that doubles up to its cap", "[supervisor]") {
  HighestDraw random;
  SupervisorFsm fsm(config(), random.draw());
  fsm.on_start();
  Script waits;
  for (std::uint64_t attempt = 1; attempt <= 9; ++attempt) {
    // A link that cannot even be opened, or refused at connect: the same loss.
    const Script lost_actions = described(fsm.on_link_lost());
    REQUIRE(lost_actions.size() == 2);
    CHECK(lost_actions[0] == "cancel_connect_deadline");
    waits.push_back(lost_actions[1]);
    CHECK(fsm.state() == State::waiting);
    CHECK(described(fsm.on_link_connected()).empty());  // no link while waiting
    CHECK(described(fsm.on_backoff_elapsed()) ==
          Script{"arm_connect_deadline #" + std::to_string(attempt + 1) + " 2000ms",
                 "open_link #" + std::to_string(attempt + 1)});
    CHECK(fsm.state() == State::connecting);
  }
  CHECK(waits == Script{"wait 100ms", "wait 200ms", "wait 400ms", "wait 800ms", "wait 1600ms", "wait 3200ms",
                        "wait 5000ms", "wait 5000ms", "wait 5000ms"});
  // Full jitter: every delay is drawn from the floor up.
  for (const auto& [low, high] : random.offered) CHECK(low == 100ms);
  CHECK(fsm.reconnects() == 0);  // nothing became usable
}

TEST_CASE("a usable connection resets the backoff", "[supervisor]") {
  HighestDraw random;
  SupervisorFsm fsm(config(), random.draw());
  fsm.on_start();
  for (int failure = 0; failure < 3; ++failure) {
    fsm.on_link_lost();
    fsm.on_backoff_elapsed();
  }
  CHECK(described(fsm.on_link_connected()) == Script{"cancel_connect_deadline", "ready"});
  CHECK(described(fsm.on_link_lost()) == Script{"wait 100ms"});
}

TEST_CASE("a loss while ready reconnects, and the next usable link counts a reconnect", "[supervisor]") {
  HighestDraw random;
  SupervisorFsm fsm(config(), random.draw());
  fsm.on_start();
  fsm.on_link_connected();

  CHECK(described(fsm.on_link_lost()) == Script{"wait 100ms"});  // no deadline to cancel
  CHECK(fsm.state() == State::waiting);
  CHECK(described(fsm.on_backoff_elapsed()) == Script{"arm_connect_deadline #2 2000ms", "open_link #2"});
  CHECK(fsm.reconnects() == 0);
  CHECK(described(fsm.on_link_connected()) == Script{"cancel_connect_deadline", "ready"});
  CHECK(fsm.reconnects() == 1);

  // Failed attempts in between are not reconnections; the usable link at their end is one.
  fsm.on_link_lost();
  fsm.on_backoff_elapsed();
  fsm.on_link_lost();
  fsm.on_backoff_elapsed();
  CHECK(fsm.reconnects() == 1);
  fsm.on_link_connected();
  CHECK(fsm.reconnects() == 2);
}

TEST_CASE("the connect deadline closes the link of its own attempt only", "[supervisor]") {
  HighestDraw random;
  SupervisorFsm fsm(config(), random.draw());
  fsm.on_start();
  CHECK(described(fsm.on_connect_deadline_passed(1)) == Script{"close_link " + lost});
  CHECK(described(fsm.on_link_lost()) == Script{"cancel_connect_deadline", "wait 100ms"});
  CHECK(described(fsm.on_connect_deadline_passed(1)).empty());  // fired after its cancellation

  fsm.on_backoff_elapsed();                                    // attempt 2
  CHECK(described(fsm.on_connect_deadline_passed(1)).empty());  // attempt 1's, late
  CHECK(described(fsm.on_connect_deadline_passed(2)) == Script{"close_link " + lost});

  fsm.on_link_connected();
  CHECK(described(fsm.on_connect_deadline_passed(2)).empty());  // usable in time after all
}

TEST_CASE("stop from every state, after which nothing happens any more", "[supervisor]") {
  HighestDraw random;
  SupervisorFsm fsm(config(true), random.draw());
  Script stop_actions;
  SECTION("idle") {
    stop_actions = described(fsm.on_stop());
    CHECK(stop_actions.empty());
  }
  SECTION("connecting") {
    fsm.on_start();
    stop_actions = described(fsm.on_stop());
    CHECK(stop_actions == Script{"cancel_connect_deadline", "close_link " + shut_down});
  }
  SECTION("setting up") {
    fsm.on_start();
    fsm.on_link_connected();
    stop_actions = described(fsm.on_stop());
    CHECK(stop_actions == Script{"cancel_connect_deadline", "close_link " + shut_down});
  }
  SECTION("ready") {
    fsm.on_start();
    fsm.on_link_connected();
    fsm.on_setup_ok();
    stop_actions = described(fsm.on_stop());
    CHECK(stop_actions == Script{"close_link " + shut_down});
  }
  SECTION("waiting") {
    fsm.on_start();
    fsm.on_link_lost();
    stop_actions = described(fsm.on_stop());
    CHECK(stop_actions == Script{"cancel_wait"});
  }
  CHECK(fsm.state() == State::stopped);

  // The loss that the close causes, late timers, late hiredis callbacks: all ignored.
  const auto offered = random.offered.size();
  CHECK(described(fsm.on_link_lost()).empty());
  CHECK(described(fsm.on_connect_deadline_passed(1)).empty());
  CHECK(described(fsm.on_backoff_elapsed()).empty());
  CHECK(described(fsm.on_link_connected()).empty());
  CHECK(described(fsm.on_setup_ok()).empty());
  CHECK(described(fsm.on_setup_failed()).empty());
  CHECK(described(fsm.on_start()).empty());
  CHECK(described(fsm.on_stop()).empty());
  CHECK(fsm.state() == State::stopped);
  CHECK(random.offered.size() == offered);  // no backoff drawn
}

TEST_CASE("backoff bounds below 1 ms or upside down are made sane", "[supervisor]") {
  HighestDraw random;
  SupervisorFsm fsm({.connect_timeout = 50ms, .backoff_min = 0ms, .backoff_max = 0ms, .has_setup = false},
                    random.draw());
  fsm.on_start();
  CHECK(described(fsm.on_link_lost()) == Script{"cancel_connect_deadline", "wait 1ms"});  // never a busy loop

  SupervisorFsm upside_down({.connect_timeout = 50ms, .backoff_min = 300ms, .backoff_max = 100ms, .has_setup = false},
                            random.draw());
  upside_down.on_start();
  CHECK(described(upside_down.on_link_lost()) == Script{"cancel_connect_deadline", "wait 300ms"});
  upside_down.on_backoff_elapsed();
  CHECK(described(upside_down.on_link_lost()) == Script{"cancel_connect_deadline", "wait 300ms"});
}
