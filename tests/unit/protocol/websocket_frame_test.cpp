#include <catch2/catch.hpp>

#include <string>

#include "protocol/websocket_frame.hpp"
#include "tests/support/client_frames.hpp"

using namespace mi::protocol::websocket;
using Kind = FrameReader::Result::Kind;

namespace {
using mi::test::client_frame;
std::string text_frame(std::string_view text) { return mi::test::client_text_frame(text); }
}  // namespace

TEST_CASE("a masked text frame is read in place, whatever its length encoding", "[websocket]") {
  for (std::size_t size : {0u, 5u, 125u, 126u, 1000u, 65535u, 70000u}) {
    std::string text(size, 'x');
    for (std::size_t i = 0; i < size; ++i) text[i] = static_cast<char>('a' + i % 26);
    auto frame = text_frame(text);
    FrameReader reader(100000);
    auto result = reader.next(frame.data(), frame.size());
    REQUIRE(result.kind == Kind::message);
    CHECK(result.opcode == Opcode::text);
    CHECK(result.consumed == frame.size());
    CHECK(result.payload == text);
  }
}

TEST_CASE("a frame cut anywhere asks for more bytes, then reads whole", "[websocket]") {
  auto frame = text_frame(std::string(300, 'q'));
  for (std::size_t cut = 0; cut < frame.size(); ++cut) {
    FrameReader reader(1000);
    auto copy = frame;
    CHECK(reader.next(copy.data(), cut).kind == Kind::need_more);
  }
  FrameReader reader(1000);
  auto result = reader.next(frame.data(), frame.size());
  CHECK(result.kind == Kind::message);
  CHECK(result.payload == std::string(300, 'q'));
}

TEST_CASE("several frames in one buffer are read one after another", "[websocket]") {
  auto bytes = text_frame("one") + text_frame("two") + client_frame(0x89, "p") + text_frame("thr");
  FrameReader reader(1000);
  std::size_t at = 0;
  std::vector<std::string> seen;
  for (;;) {
    auto result = reader.next(bytes.data() + at, bytes.size() - at);
    if (result.kind == Kind::need_more) break;
    REQUIRE(result.kind == Kind::message);
    seen.push_back(std::to_string(static_cast<int>(result.opcode)) + ":" + std::string(result.payload));
    at += result.consumed;
  }
  CHECK(at == bytes.size());
  CHECK(seen == std::vector<std::string>{"1:one", "1:two", "9:p", "1:thr"});
}

TEST_CASE("a fragmented message is put together, with control frames in between", "[websocket]") {
  auto bytes = client_frame(0x01, "{\"type\":") + client_frame(0x8A, "pong") + client_frame(0x00, "\"heart") +
               client_frame(0x80, "beat\"}");
  FrameReader reader(1000);
  std::size_t at = 0;
  auto first = reader.next(bytes.data(), bytes.size());
  REQUIRE(first.kind == Kind::fragment);
  at += first.consumed;
  CHECK(reader.held_bytes() == 8);
  auto control = reader.next(bytes.data() + at, bytes.size() - at);
  REQUIRE(control.kind == Kind::message);
  CHECK(control.opcode == Opcode::pong);
  at += control.consumed;
  auto middle = reader.next(bytes.data() + at, bytes.size() - at);
  REQUIRE(middle.kind == Kind::fragment);
  at += middle.consumed;
  auto last = reader.next(bytes.data() + at, bytes.size() - at);
  REQUIRE(last.kind == Kind::message);
  CHECK(last.opcode == Opcode::text);
  CHECK(last.payload == "{\"type\":\"heartbeat\"}");
  at += last.consumed;
  CHECK(at == bytes.size());
}

TEST_CASE("protocol errors name the close code to send", "[websocket]") {
  struct Case {
    const char* what;
    std::string bytes;
    std::uint16_t code;
  };
  std::vector<Case> cases = {
      {"unmasked", client_frame(0x81, "hi", false), close_code::protocol_error},
      {"reserved bit", client_frame(0xC1, "hi"), close_code::protocol_error},
      {"unknown opcode", client_frame(0x83, "hi"), close_code::protocol_error},
      {"fragmented ping", client_frame(0x09, "hi"), close_code::protocol_error},
      {"long ping", client_frame(0x89, std::string(126, 'p')), close_code::protocol_error},
      {"lone continuation", client_frame(0x80, "hi"), close_code::protocol_error},
      {"message inside a message", client_frame(0x01, "a") + client_frame(0x81, "b"), close_code::protocol_error},
      {"bad UTF-8", text_frame("\xC3\x28"), close_code::invalid_payload},
      {"bad UTF-8 across fragments", client_frame(0x01, "ok\xE2\x82") + client_frame(0x80, "x"),
       close_code::invalid_payload},
      {"one-byte close", client_frame(0x88, "x"), close_code::protocol_error},
      {"close code 1005", client_frame(0x88, std::string("\x03\xED", 2)), close_code::protocol_error},
      {"too big", text_frame(std::string(101, 'x')), close_code::too_big},
      {"too big across fragments", client_frame(0x01, std::string(60, 'x')) + client_frame(0x80, std::string(60, 'x')),
       close_code::too_big},
  };
  for (auto& c : cases) {
    INFO(c.what);
    FrameReader reader(100);
    std::size_t at = 0;
    FrameReader::Result result;
    do {
      result = reader.next(c.bytes.data() + at, c.bytes.size() - at);
      at += result.consumed;
    } while (result.kind == Kind::fragment);
    CHECK(result.kind == Kind::error);
    CHECK(result.close_code == c.code);
  }
}

TEST_CASE("a message too big is refused from its header alone", "[websocket]") {
  auto frame = text_frame(std::string(5000, 'x'));
  FrameReader reader(1000);
  auto result = reader.next(frame.data(), 20);  // only the header has arrived
  CHECK(result.kind == Kind::error);
  CHECK(result.close_code == close_code::too_big);
}

TEST_CASE("server frames are unmasked, one per message, and close frames carry code and reason", "[websocket]") {
  CHECK(encode_text_frame("hi") == std::string("\x81\x02hi", 4));
  auto medium = encode_text_frame(std::string(300, 'a'));
  CHECK(medium.substr(0, 4) == std::string("\x81\x7E\x01\x2C", 4));
  auto large = encode_frame(Opcode::binary, std::string(70000, 'b'));
  CHECK(large.substr(0, 10) == std::string("\x82\x7F\x00\x00\x00\x00\x00\x01\x11\x70", 10));
  CHECK(large.size() == 70010);

  auto close = encode_close_frame(4009, "too slow");
  CHECK(close == std::string("\x88\x0A\x0F\xA9too slow", 12));
  ClosePayload parsed;
  REQUIRE(FrameReader::parse_close(std::string_view(close).substr(2), parsed));
  CHECK(parsed.code == 4009);
  CHECK(parsed.reason == "too slow");

  // A long reason is cut to fit a control frame, between characters.
  std::string long_reason;
  for (int i = 0; i < 100; ++i) long_reason += "\xC3\xA9";  // é
  auto cut = encode_close_frame(1000, long_reason);
  CHECK(cut.size() - 2 <= kMaxControlPayload);
  CHECK(is_valid_utf8(std::string_view(cut).substr(4)));
}
