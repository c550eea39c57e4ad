#include "hub/redis/supervisor_fsm.hpp"

#include <algorithm>
#include <utility>

namespace mi::redis::detail {
namespace {

using Kind = SupervisorAction::Kind;

SupervisorFsm::Config normalized(SupervisorFsm::Config config) {
  config.backoff_min = std::max(config.backoff_min, std::chrono::milliseconds{1});
  config.backoff_max = std::max(config.backoff_max, config.backoff_min);
  return config;
}

}  // namespace

// Exponential backoff with full jitter: uniform in [min, min * 2^failures], capped at max, so
// that many hubs that lost the same Redis do not come back in lockstep.
SupervisorFsm::SupervisorFsm(Config config, mi::hub::JitteredBackoff::Draw draw)
    : config_(normalized(config)),
      draw_(std::move(draw)),
      backoff_(config_.backoff_min, config_.backoff_min, config_.backoff_max) {}

SupervisorActions SupervisorFsm::on_start() {
  if (state_ != State::idle) return {};
  return open();
}

SupervisorActions SupervisorFsm::open() {
  ++attempt_;
  if (config_.discover_primary) {
    // The deadline covers the whole attempt, asking the sentinels included.
    state_ = State::discovering;
    return {{.kind = Kind::arm_connect_deadline, .attempt = attempt_, .delay = config_.connect_timeout},
            {.kind = Kind::discover_primary, .attempt = attempt_}};
  }
  state_ = State::connecting;
  // The deadline first: a link that cannot even start reports lost from inside open_link, and
  // that cancels it.
  return {{.kind = Kind::arm_connect_deadline, .attempt = attempt_, .delay = config_.connect_timeout},
          {.kind = Kind::open_link, .attempt = attempt_}};
}

SupervisorActions SupervisorFsm::on_stop() {
  const State was = std::exchange(state_, State::stopped);
  switch (was) {
    case State::idle:
    case State::stopped:
      return {};
    case State::discovering:
      return {{.kind = Kind::cancel_connect_deadline}, {.kind = Kind::stop_discovery}};
    case State::connecting:
      return {{.kind = Kind::cancel_connect_deadline}, {.kind = Kind::close_link, .reason = Errc::shut_down}};
    case State::ready:
      return {{.kind = Kind::close_link, .reason = Errc::shut_down}};
    case State::waiting:
      return {{.kind = Kind::cancel_wait}};
  }
  return {};
}

SupervisorActions SupervisorFsm::on_link_connected() {
  if (state_ != State::connecting) return {};
  // Until the setup is answered the link is not usable: no command may run unauthenticated or
  // in db 0.
  if (config_.has_setup) return {{.kind = Kind::send_setup}};
  return become_ready();
}

SupervisorActions SupervisorFsm::on_setup_ok() {
  if (state_ != State::connecting) return {};
  return become_ready();
}

SupervisorActions SupervisorFsm::on_setup_failed() {
  if (state_ != State::connecting) return {};
  // E.g. a wrong password or a db out of range: try again later, with backoff (the loss that
  // follows waits), since the operator may fix Redis' side.
  return {{.kind = Kind::close_link, .reason = Errc::connection_lost}};
}

SupervisorActions SupervisorFsm::become_ready() {
  state_ = State::ready;
  backoff_.reset();
  if (++usable_connections_ > 1) ++reconnects_;
  return {{.kind = Kind::cancel_connect_deadline}, {.kind = Kind::ready}};
}

SupervisorActions SupervisorFsm::on_link_lost() {
  const bool connecting = state_ == State::connecting;
  if (!connecting && state_ != State::ready) return {};
  state_ = State::waiting;
  SupervisorActions actions;
  if (connecting) actions.push_back({.kind = Kind::cancel_connect_deadline});
  actions.push_back({.kind = Kind::wait, .delay = backoff_.next(draw_)});
  return actions;
}

SupervisorActions SupervisorFsm::on_connect_deadline_passed(std::uint64_t attempt) {
  // A deadline of an earlier attempt may fire after its cancellation was asked: it is ignored.
  if (attempt != attempt_) return {};
  if (state_ == State::discovering) {
    state_ = State::waiting;
    return {{.kind = Kind::stop_discovery}, {.kind = Kind::wait, .delay = backoff_.next(draw_)}};
  }
  if (state_ != State::connecting) return {};
  // Connect (or its setup) took too long: drop the link; its loss schedules the next attempt.
  return {{.kind = Kind::close_link, .reason = Errc::connection_lost}};
}

SupervisorActions SupervisorFsm::on_primary_found(std::uint64_t attempt) {
  if (state_ != State::discovering || attempt != attempt_) return {};
  state_ = State::connecting;
  return {{.kind = Kind::open_link, .attempt = attempt_}};
}

SupervisorActions SupervisorFsm::on_discovery_failed(std::uint64_t attempt) {
  if (state_ != State::discovering || attempt != attempt_) return {};
  state_ = State::waiting;
  return {{.kind = Kind::cancel_connect_deadline}, {.kind = Kind::wait, .delay = backoff_.next(draw_)}};
}

SupervisorActions SupervisorFsm::on_primary_moved() {
  // The loss that follows waits the backoff, then asks the sentinels again. A link still being set
  // up is dropped too: its ROLE might have been answered before the demotion.
  if (state_ != State::ready && state_ != State::connecting) return {};
  return {{.kind = Kind::close_link, .reason = Errc::connection_lost}};
}

SupervisorActions SupervisorFsm::on_backoff_elapsed() {
  if (state_ != State::waiting) return {};
  return open();
}

}  // namespace mi::redis::detail
