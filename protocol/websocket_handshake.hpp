#pragma once
// The server half of the WebSocket opening handshake (RFC 6455 section 4.2), without I/O: checks
// the upgrade request's headers and writes the 101 that switches the connection to frames. No
// subprotocol and no extension is ever accepted (permessage-deflate would cost memory per
// connection and CPU per frame for messages of a few hundred bytes).

#include <string>
#include <string_view>

namespace mi::protocol::websocket {

// Sec-WebSocket-Accept for a client's Sec-WebSocket-Key.
std::string accept_key(std::string_view client_key);

// A key is 16 random bytes in base64: 24 characters, ending "==".
bool is_valid_client_key(std::string_view key);

enum class UpgradeCheck {
  accept,
  wrong_version,  // not Sec-WebSocket-Version 13: answered with 426 and the version spoken
  bad_key,        // a missing or malformed Sec-WebSocket-Key: answered with 400
};

// What an upgrade request with these header values gets.
UpgradeCheck check_upgrade(std::string_view version_header, std::string_view key_header);

// The raw bytes of the 101 response to a request that may upgrade.
std::string upgrade_response(std::string_view client_key);

}  // namespace mi::protocol::websocket
