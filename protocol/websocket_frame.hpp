#pragma once
// RFC 6455 framing for the server side, I/O free: reads the frames a client sends (masked, maybe
// fragmented, control frames in between) and encodes the frames the server sends (unmasked, one
// frame per message). No extension is ever negotiated, so reserved bits are always an error.
//
// The hub reads sockets into a buffer shared by all the sessions of a shard, so the reader works
// in place: it unmasks payloads where they lie and hands out views into the caller's bytes. Only
// a fragmented message is copied, into the reader's own buffer, until its last fragment.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace mi::protocol::websocket {

enum class Opcode : std::uint8_t { continuation = 0, text = 1, binary = 2, close = 8, ping = 9, pong = 10 };

// The close codes the hub sends (RFC 6455 section 7.4.1, plus the contract's own).
namespace close_code {
inline constexpr std::uint16_t normal = 1000;
inline constexpr std::uint16_t protocol_error = 1002;
inline constexpr std::uint16_t no_status = 1005;  // received only: a close frame without a code
inline constexpr std::uint16_t invalid_payload = 1007;
inline constexpr std::uint16_t policy = 1008;
inline constexpr std::uint16_t too_big = 1009;
}  // namespace close_code

// A control frame carries at most this many payload bytes.
inline constexpr std::size_t kMaxControlPayload = 125;

// One whole server frame (FIN set, no mask) carrying `payload`.
std::string encode_frame(Opcode opcode, std::string_view payload);
inline std::string encode_text_frame(std::string_view text) { return encode_frame(Opcode::text, text); }
// A close frame; the reason is cut to fit a control frame (at a UTF-8 character boundary).
std::string encode_close_frame(std::uint16_t code, std::string_view reason);

// What a received close frame says. A close frame with a bad payload is a protocol error.
struct ClosePayload {
  std::uint16_t code = close_code::no_status;
  std::string_view reason;
};

class FrameReader {
 public:
  struct Result {
    enum class Kind {
      need_more,  // no whole frame at the start of the bytes: read more and call again
      message,    // a whole data message (text or binary) or a control frame
      fragment,   // a non-final fragment was taken in; call again with the bytes after it
      error,      // the client broke the protocol: close with `close_code`, read nothing more
    };
    Kind kind = Kind::need_more;
    std::size_t consumed = 0;  // bytes of the input that were one frame
    Opcode opcode = Opcode::text;
    // The message's payload: a view into the input, or into the reader for a fragmented message.
    // Valid until the next call.
    std::string_view payload;
    std::uint16_t close_code = 0;
    const char* error = "";  // why, for the close reason and logs
  };

  explicit FrameReader(std::size_t max_message_bytes) : max_message_bytes_(max_message_bytes) {}

  // Looks at the frame at the start of `data`; unmasks its payload in place.
  Result next(char* data, std::size_t size);

  // Bytes held for an unfinished fragmented message.
  std::size_t held_bytes() const { return fragments_.size(); }

  // Parses a close frame's payload; false when it is malformed (one byte, a code that may not be
  // sent, a reason that is not UTF-8).
  static bool parse_close(std::string_view payload, ClosePayload& out);

 private:
  Result fail(std::uint16_t code, const char* why);

  std::size_t max_message_bytes_;
  std::string fragments_;
  Opcode fragmented_opcode_ = Opcode::text;
  bool in_fragmented_message_ = false;
  bool release_fragments_ = false;  // the last call handed out fragments_: clear it on the next
};

// Is `text` valid UTF-8 (what a text message must be)?
bool is_valid_utf8(std::string_view text);

}  // namespace mi::protocol::websocket
