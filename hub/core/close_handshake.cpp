#include "hub/core/close_handshake.hpp"

namespace mi::hub {

namespace close_code = protocol::websocket::close_code;

CloseSteps CloseHandshake::start(State next, EndReason end_reason, std::int64_t now, CloseFrame frame) {
  state_ = next;
  end_reason_ = end_reason;
  started_at_ = now;
  return CloseSteps::send(frame);
}

CloseSteps CloseHandshake::terminate() {
  state_ = State::terminated;
  return CloseSteps::end(end_reason_);
}

CloseSteps CloseHandshake::close(std::uint16_t code, std::string_view reason, EndReason end_reason,
                                 std::int64_t now) {
  if (state_ != State::open) return {};
  return start(State::close_queued, end_reason, now, {code, reason});
}

CloseSteps CloseHandshake::peer_closed(std::uint16_t code, std::int64_t now) {
  switch (state_) {
    case State::open:
      // The echo carries the peer's code and no reason; a close without a code gets one without.
      peer_closed_first_ = true;
      return start(State::ending_after_send, EndReason::closed, now, {code, {}});
    case State::close_queued:
    case State::failing:
      state_ = State::ending_after_send;
      return {};
    case State::awaiting_peer_close:
    case State::draining:
      return terminate();  // both close frames have passed
    case State::ending_after_send:
    case State::terminated:
      return {};
  }
  return {};
}

CloseSteps CloseHandshake::close_sent() {
  switch (state_) {
    case State::close_queued:
      state_ = State::awaiting_peer_close;
      return {};
    case State::ending_after_send:
      return terminate();  // the server ends the TCP connection (RFC 6455 section 7.1.1)
    case State::failing:
      // The peer may still be sending (the rest of a message too big). Closing a socket with
      // unread bytes resets the connection, and the reset can destroy our close frame before the
      // peer reads it: end our direction, and read and drop until the peer ends its own.
      state_ = State::draining;
      return CloseSteps::shut_and_drop();
    case State::open:
    case State::awaiting_peer_close:
    case State::draining:
    case State::terminated:
      return {};
  }
  return {};
}

CloseSteps CloseHandshake::protocol_error(std::uint16_t code, std::string_view why, std::int64_t now) {
  switch (state_) {
    case State::open:
      return start(State::failing, EndReason::closed, now, {code, why});
    case State::close_queued:
      state_ = State::failing;  // our close frame already queued is the one that goes
      return {};
    case State::awaiting_peer_close:
    case State::draining:
      return terminate();  // our close has left: nothing is owed to this peer
    case State::ending_after_send:
    case State::failing:
    case State::terminated:
      return {};
  }
  return {};
}

CloseSteps CloseHandshake::read_ended() {
  switch (state_) {
    case State::open:
    case State::awaiting_peer_close:
    case State::draining:
      return terminate();
    case State::close_queued:
    case State::failing:
      state_ = State::ending_after_send;  // our close frame still goes: the peer may be reading
      return {};
    case State::ending_after_send:
    case State::terminated:
      return {};
  }
  return {};
}

CloseSteps CloseHandshake::abort(EndReason end_reason) {
  if (state_ == State::terminated) return {};
  if (state_ == State::open) end_reason_ = end_reason;
  return terminate();
}

}  // namespace mi::hub
