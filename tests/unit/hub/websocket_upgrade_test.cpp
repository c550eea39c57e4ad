#include <catch2/catch.hpp>

#include "hub/websocket_upgrade.hpp"

using namespace mi::hub;
namespace http = boost::beast::http;

TEST_CASE("the accept key is the RFC 6455 one", "[websocket]") {
  CHECK(websocket_accept_key("dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

TEST_CASE("an upgrade needs version 13 and a 16-byte key", "[websocket]") {
  http::request<http::string_body> request{http::verb::get, "/v1/ws", 11};
  request.set(http::field::sec_websocket_version, "13");
  request.set(http::field::sec_websocket_key, "dGhlIHNhbXBsZSBub25jZQ==");
  CHECK_FALSE(websocket_upgrade_refusal(request));
  auto response = websocket_upgrade_response(request);
  CHECK(response.starts_with("HTTP/1.1 101 Switching Protocols\r\n"));
  CHECK(response.find("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n") != std::string::npos);
  CHECK(response.ends_with("\r\n\r\n"));

  request.set(http::field::sec_websocket_version, "8");
  auto refusal = websocket_upgrade_refusal(request);
  REQUIRE(refusal);
  CHECK(refusal->result_int() == 426);
  CHECK((*refusal)[http::field::sec_websocket_version] == "13");

  request.set(http::field::sec_websocket_version, "13");
  for (auto key : {"", "not base64 at all!!!!!!!", "dGhlIHNhbXBsZQ==", "dGhlIHNhbXBsZSBub25jZQ"}) {
    request.set(http::field::sec_websocket_key, key);
    auto bad_key = websocket_upgrade_refusal(request);
    REQUIRE(bad_key);
    CHECK(bad_key->result_int() == 400);
  }
}
