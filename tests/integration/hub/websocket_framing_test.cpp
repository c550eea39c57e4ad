// The hub's own RFC 6455 framing, byte by byte over a real socket: the opening handshake,
// fragments, control frames, the closing handshake and the codes for broken frames.

#include <catch2/catch.hpp>

#include "tests/support/client_frames.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/hub_fixture.hpp"

using namespace mi::test;

namespace {

// The RFC 6455 example key, whose accept value is known.
std::string upgrade_request(std::string_view version = "13", std::string_view key = "dGhlIHNhbXBsZSBub25jZQ==") {
  std::string request = "GET /v1/ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n";
  if (!key.empty()) request += "Sec-WebSocket-Key: " + std::string(key) + "\r\n";
  request += "Sec-WebSocket-Version: " + std::string(version) + "\r\n\r\n";
  return request;
}

struct Exchange {
  std::string head;  // the HTTP response head
  std::vector<ServerFrame> frames;
};

// The upgrade request and `frames` in one write (so the frames arrive with the request), then
// whatever the hub sends until it closes the connection.
Exchange exchange(unsigned short port, const std::string& frames) {
  auto reply = raw_exchange(port, upgrade_request() + frames);
  auto end = reply.find("\r\n\r\n");
  if (end == std::string::npos) return {reply, {}};
  return {reply.substr(0, end + 4), server_frames(std::string_view(reply).substr(end + 4))};
}

}  // namespace

TEST_CASE("the opening handshake answers 101 with the accept key, and refuses other versions", "[ws][framing]") {
  HubFixture f;
  auto reply = raw_exchange(f.hub.port(), upgrade_request() + client_frame(0x88, std::string("\x03\xE8", 2)));
  CHECK(reply.starts_with("HTTP/1.1 101"));
  CHECK(reply.find("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n") != std::string::npos);
  CHECK(reply.find("Sec-WebSocket-Extensions") == std::string::npos);

  auto old_version = raw_exchange(f.hub.port(), upgrade_request("8"));
  CHECK(old_version.starts_with("HTTP/1.1 426"));
  CHECK(old_version.find("Sec-WebSocket-Version: 13") != std::string::npos);
  CHECK(raw_exchange(f.hub.port(), upgrade_request("13", "")).starts_with("HTTP/1.1 400"));
  CHECK(raw_exchange(f.hub.port(), upgrade_request("13", "short==")).starts_with("HTTP/1.1 400"));
}

TEST_CASE("fragments are put together around control frames, and a close is echoed", "[ws][framing]") {
  HubFixture f;
  auto bytes = client_frame(0x01, R"({"type":"pi)") + client_frame(0x89, "are you there") +
               client_frame(0x00, R"(ng","id)") + client_frame(0x80, R"(":7})") +
               client_frame(0x88, std::string("\x0F\xA0", 2) + "bye");
  auto result = exchange(f.hub.port(), bytes);
  REQUIRE(result.head.starts_with("HTTP/1.1 101"));
  REQUIRE(result.frames.size() == 3);
  CHECK(result.frames[0].opcode == 0xA);  // pong, with the ping's payload
  CHECK(result.frames[0].payload == "are you there");
  CHECK(result.frames[1].opcode == 0x1);
  // Before onboard, hello or watch, a ping request is refused: the message was read whole.
  CHECK(result.frames[1].payload.find(R"("code":"unauthorized")") != std::string::npos);
  CHECK(result.frames[1].payload.find(R"("id":7)") != std::string::npos);
  CHECK(result.frames[2].opcode == 0x8);
  CHECK(result.frames[2].close_code() == 4000);
}

TEST_CASE("broken frames close the connection with the code RFC 6455 names", "[ws][framing]") {
  HubFixture f({"--max-message-bytes", "1024"});
  struct Case {
    const char* what;
    std::string frames;
    int code;
  };
  std::vector<Case> cases = {
      {"unmasked frame", client_frame(0x81, R"({"type":"heartbeat"})", false), 1002},
      {"reserved bit", client_frame(0xC1, R"({"type":"heartbeat"})"), 1002},
      {"invalid UTF-8", client_text_frame("{\"type\":\"\xC3\x28\"}"), 1007},
      {"over --max-message-bytes", client_text_frame(std::string(5000, ' ')), 1009},
      {"continuation without a start", client_frame(0x80, "x"), 1002},
  };
  for (auto& c : cases) {
    INFO(c.what);
    auto result = exchange(f.hub.port(), c.frames);
    REQUIRE(result.head.starts_with("HTTP/1.1 101"));
    REQUIRE_FALSE(result.frames.empty());
    CHECK(result.frames.back().opcode == 0x8);
    CHECK(result.frames.back().close_code() == c.code);
  }
}
