#include "hub/websocket_upgrade.hpp"

#include <openssl/evp.h>
#include <openssl/sha.h>

#include <boost/beast/http/field.hpp>

namespace mi::hub {

namespace http = boost::beast::http;

namespace {
constexpr std::string_view kWebSocketGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

std::string_view header(const http::request<http::string_body>& request, http::field field) {
  auto value = request[field];
  return {value.data(), value.size()};
}

// A key is 16 random bytes in base64: 24 characters, ending "==".
bool is_valid_key(std::string_view key) {
  if (key.size() != 24 || !key.ends_with("==")) return false;
  unsigned char decoded[24];
  return EVP_DecodeBlock(decoded, reinterpret_cast<const unsigned char*>(key.data()), 24) == 18;
}
}  // namespace

std::string websocket_accept_key(std::string_view client_key) {
  std::string input(client_key);
  input.append(kWebSocketGuid);
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(input.data()), input.size(), digest);
  char encoded[4 * ((SHA_DIGEST_LENGTH + 2) / 3) + 1];
  int length = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(encoded), digest, SHA_DIGEST_LENGTH);
  return std::string(encoded, static_cast<std::size_t>(length));
}

std::optional<HttpResponse> websocket_upgrade_refusal(const http::request<http::string_body>& request) {
  if (header(request, http::field::sec_websocket_version) != "13") {
    auto response = json_error_response(request.version(), false, 426, "upgrade_required",
                                        "This hub speaks WebSocket version 13 only.");
    response.set(http::field::sec_websocket_version, "13");
    return response;
  }
  if (!is_valid_key(header(request, http::field::sec_websocket_key))) {
    return json_error_response(request.version(), false, 400, "bad_request",
                               "The WebSocket upgrade needs a valid Sec-WebSocket-Key.");
  }
  return std::nullopt;
}

std::string websocket_upgrade_response(const http::request<http::string_body>& request) {
  std::string response =
      "HTTP/1.1 101 Switching Protocols\r\n"
      "Upgrade: websocket\r\n"
      "Connection: Upgrade\r\n"
      "Server: mi-hub\r\n"
      "Sec-WebSocket-Accept: ";
  response += websocket_accept_key(header(request, http::field::sec_websocket_key));
  response += "\r\n\r\n";
  return response;
}

}  // namespace mi::hub
