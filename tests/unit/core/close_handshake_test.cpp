// Every transition of the closing handshake: a handshake is brought into each state by the events
// a session would feed it, then given each event; the steps it returns and the state it reaches
// are checked.

#include <catch2/catch.hpp>

#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "hub/core/close_handshake.hpp"

using mi::hub::CloseFrame;
using mi::hub::CloseHandshake;
using mi::hub::CloseSteps;
using mi::hub::EndReason;
using mi::hub::end_reason_text;
using State = CloseHandshake::State;

namespace {

const char* state_name(State state) {
  switch (state) {
    case State::open:
      return "open";
    case State::close_queued:
      return "close_queued";
    case State::awaiting_peer_close:
      return "awaiting_peer_close";
    case State::ending_after_send:
      return "ending_after_send";
    case State::failing:
      return "failing";
    case State::draining:
      return "draining";
    case State::terminated:
      return "terminated";
  }
  return "?";
}

}  // namespace

namespace Catch {
template <>
struct StringMaker<State> {
  static std::string convert(State state) { return state_name(state); }
};
template <>
struct StringMaker<CloseSteps> {
  static std::string convert(const CloseSteps& steps) {
    std::ostringstream out;
    out << "{";
    if (steps.send_close) out << " send_close(" << steps.send_close->code << ", \"" << steps.send_close->reason << "\")";
    if (steps.shutdown_send) out << " shutdown_send";
    if (steps.read_and_drop) out << " read_and_drop";
    if (steps.terminate) out << " terminate(" << end_reason_text(*steps.terminate) << ")";
    out << " }";
    return out.str();
  }
};
}  // namespace Catch

namespace {

namespace close_code = mi::protocol::websocket::close_code;

constexpr std::int64_t kStarted = 1'000;  // when the close starts, steady ms
constexpr std::int64_t kTimeout = 5'000;  // --handshake-timeout, ms

const CloseSteps kNothing{};
CloseSteps send(std::uint16_t code, std::string_view reason) { return CloseSteps::send({code, reason}); }
CloseSteps terminate(EndReason reason) { return CloseSteps::end(reason); }
const CloseSteps kShutdownAndDrop = CloseSteps::shut_and_drop();

// A handshake in `state`, reached by the events that lead there; the close started at kStarted.
CloseHandshake in_state(State state) {
  CloseHandshake handshake;
  switch (state) {
    case State::open:
      break;
    case State::close_queued:
      handshake.close(1012, "hub restarting", EndReason::drained, kStarted);
      break;
    case State::awaiting_peer_close:
      handshake.close(1012, "hub restarting", EndReason::drained, kStarted);
      handshake.close_sent();
      break;
    case State::ending_after_send:
      handshake.peer_closed(close_code::normal, kStarted);
      break;
    case State::failing:
      handshake.protocol_error(close_code::protocol_error, "unmasked frame", kStarted);
      break;
    case State::draining:
      handshake.protocol_error(close_code::protocol_error, "unmasked frame", kStarted);
      handshake.close_sent();
      break;
    case State::terminated:
      handshake.abort(EndReason::timeout);
      break;
  }
  REQUIRE(handshake.state() == state);
  return handshake;
}

struct Event {
  const char* name;
  std::function<CloseSteps(CloseHandshake&)> feed;
};

const Event kClose{"close", [](CloseHandshake& h) { return h.close(1000, "bye", EndReason::closed, kStarted + 10); }};
const Event kPeerClosed{"peer_closed", [](CloseHandshake& h) { return h.peer_closed(4000, kStarted + 10); }};
const Event kCloseSent{"close_sent", [](CloseHandshake& h) { return h.close_sent(); }};
const Event kProtocolError{"protocol_error",
                           [](CloseHandshake& h) { return h.protocol_error(1009, "too big", kStarted + 10); }};
const Event kReadEnded{"read_ended", [](CloseHandshake& h) { return h.read_ended(); }};
const Event kAbort{"abort", [](CloseHandshake& h) { return h.abort(EndReason::timeout); }};
const Event kTickInTime{"tick in time",
                        [](CloseHandshake& h) { return h.check_deadline(kStarted + kTimeout, kTimeout); }};
const Event kTickLate{"tick late",
                      [](CloseHandshake& h) { return h.check_deadline(kStarted + kTimeout + 1, kTimeout); }};

struct Transition {
  State from;
  const Event& event;
  CloseSteps steps;
  State to;
};

void check(const std::vector<Transition>& transitions) {
  for (const auto& t : transitions) {
    INFO(state_name(t.from) << " + " << t.event.name);
    auto handshake = in_state(t.from);
    CHECK(t.event.feed(handshake) == t.steps);
    CHECK(handshake.state() == t.to);
  }
}

}  // namespace

TEST_CASE("open: our close, the peer's close and a protocol error each queue a close frame", "[close-handshake]") {
  check({
      {State::open, kClose, send(1000, "bye"), State::close_queued},
      {State::open, kPeerClosed, send(4000, ""), State::ending_after_send},  // the echo
      {State::open, kProtocolError, send(1009, "too big"), State::failing},
      {State::open, kCloseSent, kNothing, State::open},
      {State::open, kReadEnded, terminate(EndReason::closed), State::terminated},
      {State::open, kAbort, terminate(EndReason::timeout), State::terminated},
      {State::open, kTickInTime, kNothing, State::open},
      {State::open, kTickLate, kNothing, State::open},
  });
}

TEST_CASE("close_queued: our close frame is on its way", "[close-handshake]") {
  check({
      {State::close_queued, kClose, kNothing, State::close_queued},  // a later close is ignored
      {State::close_queued, kPeerClosed, kNothing, State::ending_after_send},  // ours answers it
      {State::close_queued, kCloseSent, kNothing, State::awaiting_peer_close},
      {State::close_queued, kProtocolError, kNothing, State::failing},  // the queued close goes
      {State::close_queued, kReadEnded, kNothing, State::ending_after_send},
      {State::close_queued, kAbort, terminate(EndReason::drained), State::terminated},
      {State::close_queued, kTickInTime, kNothing, State::close_queued},
      {State::close_queued, kTickLate, terminate(EndReason::drained), State::terminated},
  });
}

TEST_CASE("awaiting_peer_close: our close has left, whatever the peer does next ends it", "[close-handshake]") {
  check({
      {State::awaiting_peer_close, kClose, kNothing, State::awaiting_peer_close},
      {State::awaiting_peer_close, kPeerClosed, terminate(EndReason::drained), State::terminated},
      {State::awaiting_peer_close, kCloseSent, kNothing, State::awaiting_peer_close},
      {State::awaiting_peer_close, kProtocolError, terminate(EndReason::drained), State::terminated},
      {State::awaiting_peer_close, kReadEnded, terminate(EndReason::drained), State::terminated},
      {State::awaiting_peer_close, kAbort, terminate(EndReason::drained), State::terminated},
      {State::awaiting_peer_close, kTickInTime, kNothing, State::awaiting_peer_close},
      {State::awaiting_peer_close, kTickLate, terminate(EndReason::drained), State::terminated},
  });
}

TEST_CASE("ending_after_send: the connection ends once our close frame has left", "[close-handshake]") {
  check({
      {State::ending_after_send, kClose, kNothing, State::ending_after_send},
      {State::ending_after_send, kPeerClosed, kNothing, State::ending_after_send},
      {State::ending_after_send, kCloseSent, terminate(EndReason::closed), State::terminated},
      {State::ending_after_send, kProtocolError, kNothing, State::ending_after_send},
      {State::ending_after_send, kReadEnded, kNothing, State::ending_after_send},
      {State::ending_after_send, kAbort, terminate(EndReason::closed), State::terminated},
      {State::ending_after_send, kTickInTime, kNothing, State::ending_after_send},
      {State::ending_after_send, kTickLate, terminate(EndReason::closed), State::terminated},
  });
}

TEST_CASE("failing: once the close for a protocol error has left, our side shuts and the rest is dropped",
          "[close-handshake]") {
  check({
      {State::failing, kClose, kNothing, State::failing},
      {State::failing, kPeerClosed, kNothing, State::ending_after_send},
      {State::failing, kCloseSent, kShutdownAndDrop, State::draining},
      {State::failing, kProtocolError, kNothing, State::failing},
      {State::failing, kReadEnded, kNothing, State::ending_after_send},
      {State::failing, kAbort, terminate(EndReason::closed), State::terminated},
      {State::failing, kTickInTime, kNothing, State::failing},
      {State::failing, kTickLate, terminate(EndReason::closed), State::terminated},
  });
}

TEST_CASE("draining: the peer ending its stream ends the connection", "[close-handshake]") {
  check({
      {State::draining, kClose, kNothing, State::draining},
      {State::draining, kPeerClosed, terminate(EndReason::closed), State::terminated},
      {State::draining, kCloseSent, kNothing, State::draining},
      {State::draining, kProtocolError, terminate(EndReason::closed), State::terminated},
      {State::draining, kReadEnded, terminate(EndReason::closed), State::terminated},
      {State::draining, kAbort, terminate(EndReason::closed), State::terminated},
      {State::draining, kTickInTime, kNothing, State::draining},
      {State::draining, kTickLate, terminate(EndReason::closed), State::terminated},
  });
}

TEST_CASE("terminated: nothing happens any more", "[close-handshake]") {
  for (const auto* event : {&kClose, &kPeerClosed, &kCloseSent, &kProtocolError, &kReadEnded, &kAbort, &kTickInTime,
                            &kTickLate}) {
    INFO(event->name);
    auto handshake = in_state(State::terminated);
    CHECK(event->feed(handshake) == kNothing);
    CHECK(handshake.terminated());
    CHECK(handshake.end_reason() == EndReason::timeout);
  }
}

TEST_CASE("the echo repeats the peer's code, and a close without a code is answered without one",
          "[close-handshake]") {
  CloseHandshake with_code;
  CHECK(with_code.peer_closed(close_code::normal, kStarted) == send(close_code::normal, ""));
  CloseHandshake without_code;
  auto steps = without_code.peer_closed(close_code::no_status, kStarted);
  CHECK(steps == send(close_code::no_status, ""));
  CHECK(steps.send_close->code == close_code::no_status);  // sent as a close frame with no payload
}

TEST_CASE("the first end reason given is the one the connection ends with", "[close-handshake]") {
  SECTION("a drain close answered by the peer ends as drained") {
    CloseHandshake handshake;
    handshake.close(1012, "hub restarting", EndReason::drained, kStarted);
    CHECK(handshake.end_reason() == EndReason::drained);
    handshake.close_sent();
    CHECK(handshake.peer_closed(close_code::normal, kStarted + 1) == terminate(EndReason::drained));
  }
  SECTION("a timeout during a drain close still ends as drained") {
    CloseHandshake handshake;
    handshake.close(1012, "hub restarting", EndReason::drained, kStarted);
    CHECK(handshake.abort(EndReason::timeout) == terminate(EndReason::drained));
  }
  SECTION("a drain close after the peer's close ends as closed") {
    CloseHandshake handshake;
    handshake.peer_closed(close_code::normal, kStarted);
    CHECK(handshake.close(1012, "hub restarting", EndReason::drained, kStarted + 1) == kNothing);
    CHECK(handshake.close_sent() == terminate(EndReason::closed));
  }
  SECTION("a silent peer dropped before any close ends as timeout") {
    CloseHandshake handshake;
    CHECK(handshake.end_reason() == EndReason::closed);
    CHECK(handshake.abort(EndReason::timeout) == terminate(EndReason::timeout));
    CHECK(handshake.end_reason() == EndReason::timeout);
  }
}

TEST_CASE("the deadline counts from when the close started, whichever side started it", "[close-handshake]") {
  for (auto state : {State::close_queued, State::awaiting_peer_close, State::ending_after_send, State::failing,
                     State::draining}) {
    INFO(state_name(state));
    auto handshake = in_state(state);
    CHECK(handshake.started_at() == kStarted);
    CHECK(handshake.check_deadline(kStarted + kTimeout, kTimeout) == kNothing);
    CHECK_FALSE(handshake.check_deadline(kStarted + kTimeout + 1, kTimeout) == kNothing);
  }
  CloseHandshake open;
  CHECK(open.started_at() == 0);
  // A close started after the first tick is timed from its own start.
  CloseHandshake late;
  late.close(1000, "bye", EndReason::closed, kStarted + 3'000);
  CHECK(late.check_deadline(kStarted + kTimeout + 1, kTimeout) == kNothing);
  CHECK(late.check_deadline(kStarted + 3'000 + kTimeout + 1, kTimeout) == terminate(EndReason::closed));
}

TEST_CASE("only an open connection sends, and closing means started and still up", "[close-handshake]") {
  struct Expected {
    State state;
    bool may_send, closing, draining, terminated;
  };
  for (auto e : std::vector<Expected>{
           {State::open, true, false, false, false},
           {State::close_queued, false, true, false, false},
           {State::awaiting_peer_close, false, true, false, false},
           {State::ending_after_send, false, true, false, false},
           {State::failing, false, true, false, false},
           {State::draining, false, true, true, false},
           {State::terminated, false, false, false, true},
       }) {
    INFO(state_name(e.state));
    auto handshake = in_state(e.state);
    CHECK(handshake.may_send() == e.may_send);
    CHECK(handshake.closing() == e.closing);
    CHECK(handshake.draining() == e.draining);
    CHECK(handshake.terminated() == e.terminated);
  }
}

TEST_CASE("a protocol error, start to end, as a session sees it", "[close-handshake]") {
  CloseHandshake handshake;
  CHECK(handshake.protocol_error(1009, "message too big", kStarted) == send(1009, "message too big"));
  CHECK(handshake.close_sent() == kShutdownAndDrop);
  CHECK(handshake.read_ended() == terminate(EndReason::closed));
}

TEST_CASE("who closed first: only a peer's close frame while open says the peer meant to leave", "[close-handshake]") {
  CloseHandshake peer_first;
  peer_first.peer_closed(1000, 0);
  CHECK(peer_first.peer_closed_first());

  CloseHandshake ours_first;
  ours_first.close(1012, "restarting", EndReason::drained, 0);
  ours_first.peer_closed(1012, 1);  // the peer's answer to ours
  CHECK_FALSE(ours_first.peer_closed_first());

  CloseHandshake dropped;
  dropped.read_ended();
  CHECK_FALSE(dropped.peer_closed_first());

  CloseHandshake broken;
  broken.protocol_error(1002, "bad frame", 0);
  broken.peer_closed(1002, 1);
  CHECK_FALSE(broken.peer_closed_first());
}
