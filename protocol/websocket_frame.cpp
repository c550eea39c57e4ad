#include "protocol/websocket_frame.hpp"

#include <cstring>

#include <simdjson.h>

namespace mi::protocol::websocket {

namespace {

bool is_control(Opcode opcode) { return static_cast<std::uint8_t>(opcode) >= 8; }

bool is_known(std::uint8_t opcode) { return opcode <= 2 || (opcode >= 8 && opcode <= 10); }

// Codes a peer may put in a close frame (RFC 6455 section 7.4).
bool is_sendable_close_code(std::uint16_t code) {
  if (code >= 3000 && code <= 4999) return true;
  return code >= 1000 && code <= 1014 && code != 1004 && code != 1005 && code != 1006;
}

// XOR with the 4-byte key, eight bytes at a time where it can.
void unmask(char* data, std::size_t size, const unsigned char key[4]) {
  std::uint64_t key8 = 0;
  for (int i = 0; i < 8; ++i) key8 |= static_cast<std::uint64_t>(key[i % 4]) << (8 * i);
  std::size_t i = 0;
  for (; i + 8 <= size; i += 8) {
    std::uint64_t word;
    std::memcpy(&word, data + i, 8);
    word ^= key8;
    std::memcpy(data + i, &word, 8);
  }
  for (; i < size; ++i) data[i] = static_cast<char>(data[i] ^ key[i % 4]);
}

// The longest prefix of `text` that is at most `limit` bytes and ends between characters.
std::string_view utf8_prefix(std::string_view text, std::size_t limit) {
  if (text.size() <= limit) return text;
  std::size_t end = limit;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return text.substr(0, end);
}

}  // namespace

std::string encode_frame(Opcode opcode, std::string_view payload) {
  std::string frame;
  auto size = payload.size();
  frame.reserve(size + 10);
  frame.push_back(static_cast<char>(0x80 | static_cast<std::uint8_t>(opcode)));
  if (size < 126) {
    frame.push_back(static_cast<char>(size));
  } else if (size <= 0xFFFF) {
    frame.push_back(static_cast<char>(126));
    frame.push_back(static_cast<char>(size >> 8));
    frame.push_back(static_cast<char>(size & 0xFF));
  } else {
    frame.push_back(static_cast<char>(127));
    for (int shift = 56; shift >= 0; shift -= 8) frame.push_back(static_cast<char>((size >> shift) & 0xFF));
  }
  frame.append(payload);
  return frame;
}

std::string encode_close_frame(std::uint16_t code, std::string_view reason) {
  std::string payload;
  payload.push_back(static_cast<char>(code >> 8));
  payload.push_back(static_cast<char>(code & 0xFF));
  payload.append(utf8_prefix(reason, kMaxControlPayload - 2));
  return encode_frame(Opcode::close, payload);
}

bool is_valid_utf8(std::string_view text) { return simdjson::validate_utf8(text.data(), text.size()); }

bool FrameReader::parse_close(std::string_view payload, ClosePayload& out) {
  out = {};
  if (payload.empty()) return true;
  if (payload.size() == 1) return false;
  out.code = static_cast<std::uint16_t>((static_cast<unsigned char>(payload[0]) << 8) |
                                        static_cast<unsigned char>(payload[1]));
  out.reason = payload.substr(2);
  return is_sendable_close_code(out.code) && is_valid_utf8(out.reason);
}

FrameReader::Result FrameReader::fail(std::uint16_t code, const char* why) {
  Result result;
  result.kind = Result::Kind::error;
  result.close_code = code;
  result.error = why;
  return result;
}

FrameReader::Result FrameReader::next(char* data, std::size_t size) {
  if (release_fragments_) {
    fragments_.clear();
    if (fragments_.capacity() > 4096) fragments_.shrink_to_fit();
    release_fragments_ = false;
  }
  Result result;
  if (size < 2) return result;
  auto first = static_cast<unsigned char>(data[0]);
  auto second = static_cast<unsigned char>(data[1]);
  bool fin = (first & 0x80) != 0;
  if ((first & 0x70) != 0) return fail(close_code::protocol_error, "reserved bits set");
  if (!is_known(first & 0x0F)) return fail(close_code::protocol_error, "unknown opcode");
  auto opcode = static_cast<Opcode>(first & 0x0F);
  if ((second & 0x80) == 0) return fail(close_code::protocol_error, "client frames must be masked");

  std::uint64_t length = second & 0x7F;
  std::size_t header = 2;
  if (length == 126) {
    if (size < 4) return result;
    length = (static_cast<std::uint64_t>(static_cast<unsigned char>(data[2])) << 8) |
             static_cast<unsigned char>(data[3]);
    header = 4;
  } else if (length == 127) {
    if (size < 10) return result;
    length = 0;
    for (int i = 2; i < 10; ++i) length = (length << 8) | static_cast<unsigned char>(data[i]);
    if ((length >> 63) != 0) return fail(close_code::protocol_error, "frame length out of range");
    header = 10;
  }
  if (is_control(opcode)) {
    if (!fin) return fail(close_code::protocol_error, "fragmented control frame");
    if (length > kMaxControlPayload) return fail(close_code::protocol_error, "control frame too long");
  } else if (opcode == Opcode::continuation) {
    if (!in_fragmented_message_) return fail(close_code::protocol_error, "continuation without a message");
  } else if (in_fragmented_message_) {
    return fail(close_code::protocol_error, "new message inside a fragmented one");
  }
  // Refused before its payload arrives, so that an announced giant is never buffered.
  if (!is_control(opcode) && length + fragments_.size() > max_message_bytes_) {
    return fail(close_code::too_big, "message too big");
  }
  header += 4;  // the masking key
  if (size < header || size - header < length) return result;

  const auto* key = reinterpret_cast<const unsigned char*>(data + header - 4);
  char* payload = data + header;
  unmask(payload, length, key);
  result.consumed = header + length;
  std::string_view view(payload, length);

  if (is_control(opcode)) {
    if (opcode == Opcode::close) {
      ClosePayload close;
      if (!parse_close(view, close)) return fail(close_code::protocol_error, "malformed close frame");
    }
    result.kind = Result::Kind::message;
    result.opcode = opcode;
    result.payload = view;
    return result;
  }

  if (!fin) {
    if (opcode != Opcode::continuation) {
      in_fragmented_message_ = true;
      fragmented_opcode_ = opcode;
    }
    fragments_.append(view);
    result.kind = Result::Kind::fragment;
    return result;
  }
  Opcode message_opcode = opcode;
  if (opcode == Opcode::continuation) {
    fragments_.append(view);
    view = fragments_;
    message_opcode = fragmented_opcode_;
    in_fragmented_message_ = false;
    release_fragments_ = true;
  }
  if (message_opcode == Opcode::text && !is_valid_utf8(view)) {
    return fail(close_code::invalid_payload, "text message is not UTF-8");
  }
  result.kind = Result::Kind::message;
  result.opcode = message_opcode;
  result.payload = view;
  return result;
}

}  // namespace mi::protocol::websocket
