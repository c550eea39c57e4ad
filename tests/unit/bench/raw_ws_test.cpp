// The load generator's hand-spoken WebSocket: the frames its clients send and the counting of
// the frames a server sends, which the transitions scenario checks its dashboards by.
#include <catch2/catch.hpp>

#include <string>

#include "bench/loadgen/counting_watchers.hpp"
#include "bench/loadgen/raw_ws.hpp"
#include "protocol/websocket_frame.hpp"

using namespace mi::bench;
namespace ws = mi::protocol::websocket;

namespace {

const unsigned char* bytes(const std::string& s) { return reinterpret_cast<const unsigned char*>(s.data()); }

// Feeds `stream` to `counter` `piece` bytes at a time, offering again what it did not consume.
void feed_in_pieces(FrameCounter& counter, const std::string& stream, std::size_t piece) {
  std::string held;
  for (std::size_t at = 0; at < stream.size(); at += piece) {
    held += stream.substr(at, piece);
    held.erase(0, counter.feed(bytes(held), held.size()));
  }
  CHECK(held.empty());
}

}  // namespace

TEST_CASE("client frames are masked with a zero key and keep their payload") {
  auto small = raw_ws::masked_text_frame("hello");
  CHECK(small == std::string("\x81\x85\0\0\0\0hello", 11));

  std::string payload(200, 'x');
  auto large = raw_ws::masked_text_frame(payload);
  REQUIRE(large.size() == 2 + 2 + 4 + 200);
  CHECK(static_cast<unsigned char>(large[1]) == (0x80 | 126));
  CHECK(static_cast<unsigned char>(large[2]) == 0);
  CHECK(static_cast<unsigned char>(large[3]) == 200);
  CHECK(large.substr(8) == payload);

  CHECK(raw_ws::masked_close_frame() == std::string("\x88\x82\0\0\0\0\x03\xe8", 8));
}

TEST_CASE("a frame's start is known only once its whole header is there") {
  auto frame = ws::encode_text_frame(std::string(300, 'y'));  // 16-bit length: 4-byte header
  CHECK(raw_ws::frame_start(bytes(frame), 1).header == 0);
  CHECK(raw_ws::frame_start(bytes(frame), 3).header == 0);
  auto start = raw_ws::frame_start(bytes(frame), 4);
  CHECK(start.header == 4);
  CHECK(start.length == 300);

  auto huge = ws::encode_text_frame(std::string(70000, 'z'));  // 64-bit length: 10-byte header
  CHECK(raw_ws::frame_start(bytes(huge), 9).header == 0);
  start = raw_ws::frame_start(bytes(huge), 10);
  CHECK(start.header == 10);
  CHECK(start.length == 70000);

  auto masked = raw_ws::masked_text_frame("abc");  // the mask key is part of the header
  start = raw_ws::frame_start(bytes(masked), masked.size());
  CHECK(start.header == 6);
  CHECK(start.length == 3);
}

TEST_CASE("the frame counter counts whole messages and their bytes, however the stream is cut") {
  std::string stream = ws::encode_text_frame(R"({"type":"event","event":"online"})") +
                       ws::encode_frame(ws::Opcode::ping, "p") + ws::encode_text_frame(std::string(500, 'e')) +
                       ws::encode_text_frame(std::string(70000, 'f'));
  const std::uint64_t payload = 33 + 500 + 70000;
  for (std::size_t piece : {1u, 2u, 3u, 7u, 64u, 4096u, 100000u}) {
    FrameCounter counter;
    feed_in_pieces(counter, stream, piece);
    INFO("pieces of " << piece << " bytes");
    CHECK(counter.messages == 3);
    CHECK(counter.payload_bytes == payload);
    CHECK_FALSE(counter.closed);
  }
}

TEST_CASE("a fragmented message counts once, and a close frame is seen") {
  // Text "ab" without FIN, then its continuation "cd" with FIN, then a close.
  std::string stream = std::string("\x01\x02" "ab", 4) + std::string("\x80\x02" "cd", 4) +
                       ws::encode_close_frame(ws::close_code::normal, "");
  FrameCounter counter;
  feed_in_pieces(counter, stream, 1);
  CHECK(counter.messages == 1);
  CHECK(counter.payload_bytes == 4);
  CHECK(counter.closed);
}

TEST_CASE("the upgrade's answer is measured once whole, and anything but 101 is refused") {
  CHECK(raw_ws::upgrade_request("127.0.0.1:8080").starts_with("GET /v1/ws HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n"));
  const std::string answer = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n";
  CHECK(!raw_ws::upgrade_answer_length(answer.substr(0, answer.size() - 1)));
  CHECK(raw_ws::upgrade_answer_length(answer + "\x81\x02hi") == std::optional<std::size_t>(answer.size()));
  CHECK_THROWS_WITH(raw_ws::upgrade_answer_length("HTTP/1.1 403 Forbidden\r\n\r\n"), "upgrade refused: HTTP/1.1 403 Forbidden");
}

TEST_CASE("a whole frame is taken from the front, an incomplete one is not") {
  const std::string frame = ws::encode_frame(ws::Opcode::text, "hello") + ws::encode_frame(ws::Opcode::ping, "");
  auto first = raw_ws::whole_frame(bytes(frame), frame.size());
  REQUIRE(first);
  CHECK(first->opcode == 0x1);
  CHECK(first->payload == "hello");
  CHECK(first->bytes == 7);
  CHECK(!raw_ws::whole_frame(bytes(frame), 6));
}
