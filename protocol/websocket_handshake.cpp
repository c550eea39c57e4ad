#include "protocol/websocket_handshake.hpp"

#include <openssl/evp.h>
#include <openssl/sha.h>

namespace mi::protocol::websocket {

namespace {
constexpr std::string_view kWebSocketGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
}  // namespace

bool is_valid_client_key(std::string_view key) {
  if (key.size() != 24 || !key.ends_with("==")) return false;
  unsigned char decoded[24];
  return EVP_DecodeBlock(decoded, reinterpret_cast<const unsigned char*>(key.data()), 24) == 18;
}

std::string accept_key(std::string_view client_key) {
  std::string input(client_key);
  input.append(kWebSocketGuid);
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(input.data()), input.size(), digest);
  char encoded[4 * ((SHA_DIGEST_LENGTH + 2) / 3) + 1];
  int length = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(encoded), digest, SHA_DIGEST_LENGTH);
  return std::string(encoded, static_cast<std::size_t>(length));
}

UpgradeCheck check_upgrade(std::string_view version_header, std::string_view key_header) {
  if (version_header != "13") return UpgradeCheck::wrong_version;
  if (!is_valid_client_key(key_header)) return UpgradeCheck::bad_key;
  return UpgradeCheck::accept;
}

std::string upgrade_response(std::string_view client_key) {
  std::string response =
      "HTTP/1.1 101 Switching Protocols\r\n"
      "Upgrade: websocket\r\n"
      "Connection: Upgrade\r\n"
      "Server: mi-hub\r\n"
      "Sec-WebSocket-Accept: ";
  response += accept_key(client_key);
  response += "\r\n\r\n";
  return response;
}

}  // namespace mi::protocol::websocket
