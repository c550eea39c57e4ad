#pragma once
// The decisions that keep one Redis link connected, without I/O: find the primary first when
// sentinels name it, connect with a deadline, run the link's setup if it has one (AUTH, SELECT,
// ROLE: link_setup.hpp), reconnect with jittered exponential backoff after any loss (and after a
// failover the sentinels announce), until stop.
// Each input returns the actions to carry out, in order; the Supervisor carries them out with
// timers and hiredis and feeds back what happened.
//
//   idle --start--> connecting --connected [no setup] / setup ok--> ready
//   idle --start [sentinels]--> discovering --primary found--> connecting
//   discovering --no sentinel answered / deadline--> waiting
//   connecting, ready --primary moved--> close the link (then lost)
//   connecting --lost--> waiting      (also: a link that could not be opened)
//   connecting --deadline / setup failed--> close the link (then lost)
//   ready --lost--> waiting --backoff elapsed--> connecting
//   any --stop--> stopped, where nothing happens any more

#include <chrono>
#include <cstdint>
#include <vector>

#include "hub/core/backoff.hpp"
#include "hub/core/relaxed_counter.hpp"
#include "hub/redis/errors.hpp"

namespace mi::redis::detail {

struct SupervisorAction {
  enum class Kind {
    arm_connect_deadline,     // after `delay`, report connect_deadline_passed(`attempt`)
    open_link,                // start connection `attempt`; report lost if it cannot even start
    cancel_connect_deadline,
    send_setup,               // send the link's setup commands; report their outcome
    ready,                    // the link is usable: tell the client
    wait,                     // after `delay`, report backoff_elapsed
    cancel_wait,
    close_link,               // free the link; what is in flight fails with `reason`
    discover_primary,         // ask the sentinels for the primary; report found or failed (`attempt`)
    stop_discovery,           // stop asking
  };
  Kind kind;
  std::uint64_t attempt = 0;
  mi::hub::JitteredBackoff::Duration delay{};
  Errc reason = Errc::connection_lost;
};

using SupervisorActions = std::vector<SupervisorAction>;

class SupervisorFsm {
 public:
  enum class State { idle, discovering, connecting, ready, waiting, stopped };

  struct Config {
    std::chrono::milliseconds connect_timeout{2000};  // from the start of a connection to usable
    std::chrono::milliseconds backoff_min{100};       // at least 1 ms: no reconnection loop
    std::chrono::milliseconds backoff_max{5000};      // at least backoff_min
    bool has_setup = false;                           // commands to run before the link is usable
    bool discover_primary = false;                    // sentinels say where to connect, every time
  };

  // `draw` picks each reconnection delay in its range (uniformly at random, but for tests).
  SupervisorFsm(Config config, mi::hub::JitteredBackoff::Draw draw);

  State state() const { return state_; }
  // Connections that became usable after the first, for /metrics (read from any thread).
  std::uint64_t reconnects() const { return reconnects_.load(); }

  SupervisorActions on_start();
  SupervisorActions on_stop();
  // The connection of the current attempt is up (hiredis' connect callback).
  SupervisorActions on_link_connected();
  // The setup of the current attempt was answered OK / refused or not sent at all.
  SupervisorActions on_setup_ok();
  SupervisorActions on_setup_failed();
  // The current link is gone: hiredis freed it, or it could not be opened.
  SupervisorActions on_link_lost();
  SupervisorActions on_connect_deadline_passed(std::uint64_t attempt);
  // The sentinels named the primary for `attempt` / none of them did.
  SupervisorActions on_primary_found(std::uint64_t attempt);
  SupervisorActions on_discovery_failed(std::uint64_t attempt);
  // A sentinel announced that the primary moved: the link, if any, is to a demoted server.
  SupervisorActions on_primary_moved();
  SupervisorActions on_backoff_elapsed();

 private:
  SupervisorActions open();
  SupervisorActions become_ready();

  Config config_;
  mi::hub::JitteredBackoff::Draw draw_;
  mi::hub::JitteredBackoff backoff_;
  State state_ = State::idle;
  std::uint64_t attempt_ = 0;  // one per link opened: late timers recognise themselves
  std::uint64_t usable_connections_ = 0;
  mi::hub::RelaxedCounter reconnects_;
};

}  // namespace mi::redis::detail
