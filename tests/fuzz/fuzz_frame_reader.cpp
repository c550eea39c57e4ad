// Fuzzes protocol::websocket::FrameReader the way a WebSocket session drives it
// (hub/ws_session_io.cpp): bytes arrive in reads of any size, the whole frames at the front of
// what is buffered are taken one by one, what is left waits for the next read, and the first
// error ends the connection.
//
// Input: byte 0 picks the reader's message size limit (kLimits); the rest is the byte stream,
// cut into reads by fuzz::for_each_read. Each frame is also read by a plain model of RFC 6455
// written here, and the two must agree. FrameReader::parse_close gets every payload and the
// input itself.

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "protocol/websocket_frame.hpp"
#include "tests/fuzz/fuzz_support.hpp"

namespace {

namespace ws = mi::protocol::websocket;
using Kind = ws::FrameReader::Result::Kind;

// Small limits, so that messages and fragmented messages hit them; 65536 is the hub's default.
constexpr std::size_t kLimits[] = {0, 1, 16, 125, 126, 1024, 4096, 65536};

bool is_control(std::uint8_t opcode) { return opcode >= 8; }
bool is_known(std::uint8_t opcode) { return opcode <= 2 || (opcode >= 8 && opcode <= 10); }

// What a close frame's payload must be: empty, or a code a peer may send and a UTF-8 reason.
bool close_payload_ok(std::string_view payload) {
  if (payload.empty()) return true;
  if (payload.size() == 1) return false;
  unsigned code = (static_cast<unsigned char>(payload[0]) << 8) | static_cast<unsigned char>(payload[1]);
  bool sendable = (code >= 3000 && code <= 4999) ||
                  (code >= 1000 && code <= 1014 && code != 1004 && code != 1005 && code != 1006);
  return sendable && mi::fuzz::is_utf8(payload.substr(2));
}

void check_parse_close(std::string_view payload) {
  ws::ClosePayload close;
  bool ok = ws::FrameReader::parse_close(payload, close);
  MI_FUZZ_CHECK(ok == close_payload_ok(payload));
  if (payload.empty()) {
    MI_FUZZ_CHECK(close.code == ws::close_code::no_status && close.reason.empty());
  } else if (ok) {
    MI_FUZZ_CHECK(close.reason.data() == payload.data() + 2 && close.reason.size() == payload.size() - 2);
  }
}

// What the frame at the front of the buffer must give, from RFC 6455 read plainly. A reader
// that streams may stop at three points: the first two bytes (reserved bits, opcode, mask), the
// whole header (length, control frame rules, fragment order, the size limit: a message too big
// is refused before its payload arrives) and the whole frame (close payload, UTF-8). Where a
// point has several faults, any of their close codes will do.
struct Expected {
  Kind kind = Kind::need_more;
  std::vector<std::uint16_t> codes;  // for an error
  std::size_t frame_size = 0;        // for a message or fragment
  std::uint8_t opcode = 0;           // of the frame
  bool fin = false;
  std::string payload;               // unmasked
};

// What the frames taken so far left open: a fragmented message.
struct Model {
  std::size_t max_message_bytes = 0;
  bool in_message = false;
  std::uint8_t message_opcode = 0;
  std::string fragments;

  Expected expect(const char* data, std::size_t size) const {
    Expected expected;
    if (size < 2) return expected;
    auto first = static_cast<unsigned char>(data[0]);
    auto second = static_cast<unsigned char>(data[1]);
    expected.fin = (first & 0x80) != 0;
    expected.opcode = first & 0x0F;
    std::vector<std::uint16_t> codes;
    if ((first & 0x70) != 0) codes.push_back(ws::close_code::protocol_error);
    if (!is_known(expected.opcode)) codes.push_back(ws::close_code::protocol_error);
    if ((second & 0x80) == 0) codes.push_back(ws::close_code::protocol_error);
    if (!codes.empty()) return error(std::move(codes));

    std::size_t header = 2;
    std::uint64_t length = second & 0x7F;
    if (length == 126) header = 4;
    if (length == 127) header = 10;
    if (size < header) return expected;
    if (header > 2) {
      length = 0;
      for (std::size_t i = 2; i < header; ++i) length = (length << 8) | static_cast<unsigned char>(data[i]);
    }
    if (length >> 63 != 0) codes.push_back(ws::close_code::protocol_error);
    if (is_control(expected.opcode)) {
      if (!expected.fin || length > ws::kMaxControlPayload) codes.push_back(ws::close_code::protocol_error);
    } else {
      if ((expected.opcode == 0) != in_message) codes.push_back(ws::close_code::protocol_error);
      if (length + fragments.size() > max_message_bytes) codes.push_back(ws::close_code::too_big);
    }
    if (!codes.empty()) return error(std::move(codes));

    header += 4;  // the masking key
    if (size < header || size - header < length) return expected;
    const auto* key = reinterpret_cast<const unsigned char*>(data + header - 4);
    expected.payload.assign(data + header, length);
    for (std::size_t i = 0; i < length; ++i) expected.payload[i] = static_cast<char>(expected.payload[i] ^ key[i % 4]);
    expected.frame_size = header + length;

    if (expected.opcode == static_cast<std::uint8_t>(ws::Opcode::close) && !close_payload_ok(expected.payload)) {
      return error({ws::close_code::protocol_error});
    }
    if (is_control(expected.opcode)) {
      expected.kind = Kind::message;
      return expected;
    }
    if (!expected.fin) {
      expected.kind = Kind::fragment;
      return expected;
    }
    std::uint8_t opcode = expected.opcode == 0 ? message_opcode : expected.opcode;
    std::string message = expected.opcode == 0 ? fragments + expected.payload : expected.payload;
    if (opcode == static_cast<std::uint8_t>(ws::Opcode::text) && !mi::fuzz::is_utf8(message)) {
      return error({ws::close_code::invalid_payload});
    }
    expected.kind = Kind::message;
    expected.opcode = opcode;
    expected.payload = std::move(message);
    return expected;
  }

  // The frame was taken: what stays open after it.
  void take(const Expected& frame) {
    if (is_control(frame.opcode) && frame.kind == Kind::message) return;
    if (frame.kind == Kind::fragment) {
      if (!in_message) message_opcode = frame.opcode;
      in_message = true;
      fragments += frame.payload;
      return;
    }
    in_message = false;
    fragments.clear();
  }

  static Expected error(std::vector<std::uint16_t> codes) {
    Expected expected;
    expected.kind = Kind::error;
    expected.codes = std::move(codes);
    return expected;
  }
};

// Takes the frames at the front of `data` as the session does; false once the reader failed.
bool take_frames(ws::FrameReader& reader, Model& model, char* data, std::size_t size, std::size_t& at) {
  for (;;) {
    char* frame = data + at;
    std::size_t left = size - at;
    // The model reads the bytes before the reader unmasks them in place.
    Expected expected = model.expect(frame, left);
    auto result = reader.next(frame, left);
    MI_FUZZ_CHECK(result.kind == expected.kind);
    switch (result.kind) {
      case Kind::need_more:
        MI_FUZZ_CHECK(result.consumed == 0);
        MI_FUZZ_CHECK(reader.held_bytes() == model.fragments.size());
        return true;
      case Kind::error:
        MI_FUZZ_CHECK(result.consumed == 0);
        MI_FUZZ_CHECK(std::find(expected.codes.begin(), expected.codes.end(), result.close_code) !=
                      expected.codes.end());
        MI_FUZZ_CHECK(result.error != nullptr && result.error[0] != '\0');
        return false;
      case Kind::fragment:
        MI_FUZZ_CHECK(result.consumed == expected.frame_size && result.consumed <= left);
        model.take(expected);
        MI_FUZZ_CHECK(reader.held_bytes() == model.fragments.size());
        MI_FUZZ_CHECK(reader.held_bytes() <= model.max_message_bytes);
        break;
      case Kind::message: {
        MI_FUZZ_CHECK(result.consumed == expected.frame_size && result.consumed <= left);
        MI_FUZZ_CHECK(static_cast<std::uint8_t>(result.opcode) == expected.opcode);
        MI_FUZZ_CHECK(result.payload == expected.payload);
        bool reassembled = !is_control(expected.opcode) && model.in_message;
        if (!reassembled) {
          // A whole frame is handed out where it lies: inside the frame just taken.
          MI_FUZZ_CHECK(result.payload.size() <= result.consumed);
          MI_FUZZ_CHECK(result.payload.empty() ||
                        (result.payload.data() >= frame &&
                         result.payload.data() + result.payload.size() == frame + result.consumed));
        }
        if (is_control(expected.opcode)) {
          MI_FUZZ_CHECK(result.payload.size() <= ws::kMaxControlPayload);
        } else {
          MI_FUZZ_CHECK(result.payload.size() <= model.max_message_bytes);
        }
        check_parse_close(result.payload);
        model.take(expected);
        break;
      }
    }
    at += result.consumed;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  check_parse_close(std::string_view(reinterpret_cast<const char*>(data), size));

  Model model;
  model.max_message_bytes = kLimits[data[0] % std::size(kLimits)];
  ws::FrameReader reader(model.max_message_bytes);
  std::string pending;  // bytes read and not yet taken: a partial frame
  bool open = true;
  mi::fuzz::for_each_read(data + 1, size - 1, [&](std::string_view read) {
    if (!open) return;
    // The reader sees what is pending followed by the new read, in an allocation of exactly that
    // size, so that AddressSanitizer catches a read past its end.
    std::size_t size_now = pending.size() + read.size();
    auto bytes = std::make_unique<char[]>(size_now);
    std::memcpy(bytes.get(), pending.data(), pending.size());
    std::memcpy(bytes.get() + pending.size(), read.data(), read.size());
    std::size_t at = 0;
    open = take_frames(reader, model, bytes.get(), size_now, at);
    pending.assign(bytes.get() + at, size_now - at);
  });
  return 0;
}
