#pragma once
// The closing handshake of one WebSocket connection (RFC 6455 section 7), free of I/O: the session
// tells it what happened (we close, the peer's close frame arrived, our close frame has left, the
// peer broke the protocol, the stream ended, the connection must drop, the tick at `now`) and
// carries out the steps it returns. It also decides what the connection ends with, for the
// agent's offline event: the first reason given wins.
//
//   state                close_sent            peer_closed          read_ended           protocol_error
//   open                 -                     ending_after_send *  terminated           failing *
//   close_queued         awaiting_peer_close   ending_after_send    ending_after_send    failing
//   awaiting_peer_close  -                     terminated           terminated           terminated
//   ending_after_send    terminated            -                    -                    -
//   failing              draining **           ending_after_send    ending_after_send    -
//   draining             -                     terminated           terminated           terminated
//
// close takes open to close_queued *, and is ignored elsewhere; abort terminates from any state,
// and so does the tick once --handshake-timeout has passed since the close started. (* with our
// close frame to send; ** with our direction shut and the rest of the peer's bytes dropped.)

#include <cstdint>
#include <optional>
#include <string_view>

#include "hub/core/end_reason.hpp"
#include "protocol/websocket_frame.hpp"

namespace mi::hub {

// A close frame to send. With no_status it is sent without a payload: 1005 only says that a
// received close frame had no code, it never goes on the wire (RFC 6455 section 7.4.1).
struct CloseFrame {
  std::uint16_t code = protocol::websocket::close_code::no_status;
  std::string_view reason;  // a literal or the frame reader's error text: valid while the steps are carried out

  bool operator==(const CloseFrame&) const = default;
};

// What the session does after an event, in this order; all empty means nothing.
struct CloseSteps {
  std::optional<CloseFrame> send_close;  // queue our close frame: nothing else is sent after it
  bool shutdown_send = false;            // our close frame has left: end our direction of the stream
  bool read_and_drop = false;            // then read and discard until the peer ends its direction
  std::optional<EndReason> terminate;    // drop the TCP connection now, the connection ending with this

  static CloseSteps send(CloseFrame frame) {
    CloseSteps steps;
    steps.send_close = frame;
    return steps;
  }
  static CloseSteps shut_and_drop() {
    CloseSteps steps;
    steps.shutdown_send = steps.read_and_drop = true;
    return steps;
  }
  static CloseSteps end(EndReason end_reason) {
    CloseSteps steps;
    steps.terminate = end_reason;
    return steps;
  }

  bool operator==(const CloseSteps&) const = default;
};

class CloseHandshake {
 public:
  enum class State : std::uint8_t {
    open,                 // no close yet: anything may be sent
    close_queued,         // we closed: our close frame is on its way, the peer may still send
    awaiting_peer_close,  // our close frame has left: the peer's close ends the connection
    ending_after_send,    // the peer closed (or its stream ended): our close frame is on its way, then the end
    failing,              // the peer broke the protocol: our close frame is on its way
    draining,             // after a protocol error our close has left: reading and dropping until the peer ends
    terminated,           // the TCP connection is dropped
  };

  // We close with `code` and `reason`; the connection will have ended with `end_reason`. Ignored
  // once a close is under way.
  CloseSteps close(std::uint16_t code, std::string_view reason, EndReason end_reason, std::int64_t now);
  // The peer's close frame arrived with `code` (no_status when it had none): echoed
  // (RFC 6455 section 5.5.1) unless our close is already on its way.
  CloseSteps peer_closed(std::uint16_t code, std::int64_t now);
  // Our close frame has been written whole.
  CloseSteps close_sent();
  // The peer broke the protocol: close with `code`, saying `why`, read no more frames.
  CloseSteps protocol_error(std::uint16_t code, std::string_view why, std::int64_t now);
  // The peer's direction of the stream ended or failed: nothing more will be read.
  CloseSteps read_ended();
  // The connection must drop at once, without a handshake (the socket failed, the peer went
  // silent, a write took too long).
  CloseSteps abort(EndReason end_reason);
  // The tick: a handshake that started over `timeout_ms` before `now` is given up.
  CloseSteps check_deadline(std::int64_t now, std::int64_t timeout_ms) {
    if (!closing() || now - started_at_ <= timeout_ms) return {};
    return terminate();
  }

  State state() const { return state_; }
  // Nothing closes yet: frames other than our close may still go out.
  bool may_send() const { return state_ == State::open; }
  // A close is under way and the connection is still up.
  bool closing() const { return state_ != State::open && state_ != State::terminated; }
  bool terminated() const { return state_ == State::terminated; }
  bool draining() const { return state_ == State::draining; }
  // When the close started (steady ms), 0 while open.
  std::int64_t started_at() const { return started_at_; }
  // What the connection ended with (or will end with, once closing): closed until a close starts.
  EndReason end_reason() const { return end_reason_; }
  // The peer's close frame started the close (rather than answering ours, or none at all): the
  // peer meant to leave.
  bool peer_closed_first() const { return peer_closed_first_; }

 private:
  CloseSteps start(State next, EndReason end_reason, std::int64_t now, CloseFrame frame);
  CloseSteps terminate();

  std::int64_t started_at_ = 0;
  State state_ = State::open;
  EndReason end_reason_ = EndReason::closed;
  bool peer_closed_first_ = false;
};

}  // namespace mi::hub
