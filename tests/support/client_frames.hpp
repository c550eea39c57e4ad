#pragma once
// WebSocket frames as a client puts them on the wire (masked with a fixed key), and a reader of
// the frames a server sends, for tests that speak the protocol byte by byte.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mi::test {

// `first_byte` is FIN, RSV and opcode as sent (0x81: a whole text frame).
inline std::string client_frame(std::uint8_t first_byte, std::string_view payload, bool masked = true) {
  std::string frame;
  frame.push_back(static_cast<char>(first_byte));
  auto size = payload.size();
  char mask_bit = masked ? static_cast<char>(0x80) : 0;
  if (size < 126) {
    frame.push_back(static_cast<char>(mask_bit | static_cast<char>(size)));
  } else if (size <= 0xFFFF) {
    frame.push_back(static_cast<char>(mask_bit | 126));
    frame.push_back(static_cast<char>(size >> 8));
    frame.push_back(static_cast<char>(size & 0xFF));
  } else {
    frame.push_back(static_cast<char>(mask_bit | 127));
    for (int shift = 56; shift >= 0; shift -= 8) frame.push_back(static_cast<char>((size >> shift) & 0xFF));
  }
  const unsigned char key[4] = {0x12, 0x9A, 0x3C, 0xF1};
  if (masked) frame.append(reinterpret_cast<const char*>(key), 4);
  for (std::size_t i = 0; i < size; ++i) {
    frame.push_back(masked ? static_cast<char>(payload[i] ^ key[i % 4]) : payload[i]);
  }
  return frame;
}

inline std::string client_text_frame(std::string_view text) { return client_frame(0x81, text); }

struct ServerFrame {
  int opcode = 0;
  std::string payload;
  int close_code() const {
    return payload.size() >= 2 ? (static_cast<unsigned char>(payload[0]) << 8) | static_cast<unsigned char>(payload[1])
                               : -1;
  }
};

// The unmasked frames in `bytes`, in order; a truncated last frame is left out.
inline std::vector<ServerFrame> server_frames(std::string_view bytes) {
  std::vector<ServerFrame> frames;
  std::size_t at = 0;
  while (bytes.size() - at >= 2) {
    auto first = static_cast<unsigned char>(bytes[at]);
    std::uint64_t length = static_cast<unsigned char>(bytes[at + 1]) & 0x7F;
    std::size_t header = 2;
    if (length == 126) {
      if (bytes.size() - at < 4) break;
      length = (static_cast<unsigned char>(bytes[at + 2]) << 8) | static_cast<unsigned char>(bytes[at + 3]);
      header = 4;
    } else if (length == 127) {
      if (bytes.size() - at < 10) break;
      length = 0;
      for (std::size_t i = 2; i < 10; ++i) length = (length << 8) | static_cast<unsigned char>(bytes[at + i]);
      header = 10;
    }
    if (bytes.size() - at - header < length) break;
    frames.push_back({first & 0x0F, std::string(bytes.substr(at + header, length))});
    at += header + length;
  }
  return frames;
}

}  // namespace mi::test
