// Drives hub::CloseHandshake (hub/core/close_handshake.hpp) through any sequence of the events a
// session can feed it, and checks what the session relies on: one close frame at most, sent
// before anything that follows it; our direction shut only after our close frame has left; one
// termination at most, after which nothing happens; the end reason fixed once a close starts.
//
// Input: one byte per event. Its low 3 bits pick the event, the rest its argument (a close code,
// an end reason, or how far the clock moves). The driver keeps to the session's causality: our
// frame is reported sent only while one is on its way, and frames are reported read only while
// the session still reads them.

#include <cstddef>
#include <cstdint>
#include <optional>

#include "hub/core/close_handshake.hpp"
#include "tests/fuzz/fuzz_support.hpp"

namespace {

using mi::hub::CloseHandshake;
using mi::hub::CloseSteps;
using mi::hub::EndReason;

constexpr std::int64_t kTimeoutMs = 1000;
constexpr std::uint16_t kCodes[] = {1000, 1001, 1002, 1005, 1007, 1008, 1009, 1011, 1012, 1013, 3000, 4009};
constexpr EndReason kReasons[] = {EndReason::closed, EndReason::timeout, EndReason::drained, EndReason::hub_lost};

struct Session {
  CloseHandshake handshake;
  std::int64_t now = 1;
  bool frame_on_its_way = false;  // our close frame is queued and not yet written whole
  bool frame_sent = false;
  bool reading_frames = true;  // the session still reads and handles frames
  bool dropping = false;       // reading and discarding after a protocol error
  bool shut = false;
  bool terminated = false;
  int close_frames = 0;
  std::optional<EndReason> fixed_reason;  // the end reason once a close started

  void carry_out(const CloseSteps& steps) {
    MI_FUZZ_CHECK(!terminated || steps == CloseSteps{});
    if (steps.send_close) {
      ++close_frames;
      MI_FUZZ_CHECK(close_frames == 1);
      frame_on_its_way = true;
    }
    if (steps.shutdown_send) {
      MI_FUZZ_CHECK(frame_sent && !shut);
      shut = true;
    }
    if (steps.read_and_drop) {
      MI_FUZZ_CHECK(shut && !reading_frames);
      dropping = true;
    }
    if (steps.terminate) {
      MI_FUZZ_CHECK(!terminated);
      terminated = true;
      MI_FUZZ_CHECK(!fixed_reason || *steps.terminate == *fixed_reason);
      MI_FUZZ_CHECK(*steps.terminate == handshake.end_reason());
    }
    MI_FUZZ_CHECK(handshake.terminated() == terminated);
    MI_FUZZ_CHECK(handshake.may_send() == (handshake.state() == CloseHandshake::State::open));
    MI_FUZZ_CHECK(!handshake.may_send() || close_frames == 0);
    if (handshake.closing() || handshake.terminated()) {
      if (!fixed_reason) fixed_reason = handshake.end_reason();
      MI_FUZZ_CHECK(handshake.end_reason() == *fixed_reason);
    }
    if (handshake.closing()) MI_FUZZ_CHECK(handshake.started_at() > 0);
  }

  void feed(std::uint8_t byte) {
    const unsigned argument = byte >> 3;
    switch (byte & 7) {
      case 0:
        carry_out(handshake.close(kCodes[argument % std::size(kCodes)], "bye", kReasons[argument % std::size(kReasons)], now));
        break;
      case 1:
        if (!reading_frames) return;
        reading_frames = false;
        carry_out(handshake.peer_closed(kCodes[argument % std::size(kCodes)], now));
        break;
      case 2:
        if (!frame_on_its_way || terminated) return;
        frame_on_its_way = false;
        frame_sent = true;
        carry_out(handshake.close_sent());
        break;
      case 3:
        if (!reading_frames) return;
        reading_frames = false;
        carry_out(handshake.protocol_error(kCodes[argument % std::size(kCodes)], "broken frame", now));
        break;
      case 4:
        if (!reading_frames && !dropping) return;
        reading_frames = dropping = false;
        carry_out(handshake.read_ended());
        break;
      case 5:
        carry_out(handshake.abort(kReasons[argument % std::size(kReasons)]));
        break;
      case 6:
        now += static_cast<std::int64_t>(argument) * 50;
        carry_out(handshake.check_deadline(now, kTimeoutMs));
        break;
      default:
        now += argument;
        break;
    }
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Session session;
  for (std::size_t i = 0; i < size; ++i) session.feed(data[i]);
  // However the events came, a long enough wait ends every close that started.
  session.now += kTimeoutMs + 1;
  session.carry_out(session.handshake.check_deadline(session.now, kTimeoutMs));
  MI_FUZZ_CHECK(!session.handshake.closing());
  return 0;
}
