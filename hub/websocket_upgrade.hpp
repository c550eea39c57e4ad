#pragma once
// The server half of the WebSocket opening handshake (RFC 6455 section 4.2): checks an upgrade
// request and writes the 101 that switches the connection to frames. No subprotocol and no
// extension is ever accepted (permessage-deflate would cost memory per connection and CPU per
// frame for messages of a few hundred bytes).

#include <optional>
#include <string>
#include <string_view>

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "hub/http_api.hpp"

namespace mi::hub {

// Sec-WebSocket-Accept for a client's Sec-WebSocket-Key.
std::string websocket_accept_key(std::string_view client_key);

// The response refusing a bad upgrade request (426 for a version other than 13, 400 for a
// missing or malformed key), or nothing when the request may upgrade.
std::optional<HttpResponse> websocket_upgrade_refusal(
    const boost::beast::http::request<boost::beast::http::string_body>& request);

// The raw bytes of the 101 response to a request that may upgrade.
std::string websocket_upgrade_response(const boost::beast::http::request<boost::beast::http::string_body>& request);

}  // namespace mi::hub
