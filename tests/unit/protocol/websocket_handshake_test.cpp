#include <catch2/catch.hpp>

#include "protocol/websocket_handshake.hpp"

using namespace mi::protocol::websocket;

TEST_CASE("the accept key is the RFC 6455 one", "[websocket]") {
  CHECK(accept_key("dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

TEST_CASE("an upgrade needs version 13 and a 16-byte key", "[websocket]") {
  CHECK(check_upgrade("13", "dGhlIHNhbXBsZSBub25jZQ==") == UpgradeCheck::accept);
  auto response = upgrade_response("dGhlIHNhbXBsZSBub25jZQ==");
  CHECK(response.starts_with("HTTP/1.1 101 Switching Protocols\r\n"));
  CHECK(response.find("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n") != std::string::npos);
  CHECK(response.ends_with("\r\n\r\n"));

  CHECK(check_upgrade("8", "dGhlIHNhbXBsZSBub25jZQ==") == UpgradeCheck::wrong_version);
  CHECK(check_upgrade("", "dGhlIHNhbXBsZSBub25jZQ==") == UpgradeCheck::wrong_version);

  for (auto key : {"", "not base64 at all!!!!!!!", "dGhlIHNhbXBsZQ==", "dGhlIHNhbXBsZSBub25jZQ"}) {
    CHECK(check_upgrade("13", key) == UpgradeCheck::bad_key);
  }
}
