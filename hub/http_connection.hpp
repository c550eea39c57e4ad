#pragma once
// One accepted TCP connection: HTTP/1.1 requests with keep-alive, until it upgrades to a
// WebSocket at /v1/ws (after the Origin check) or closes.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "hub/shard.hpp"

namespace mi::hub {

// `peer` is the address the accept returned.
boost::asio::awaitable<void> serve_connection(Shard& shard, Shard::Socket socket, boost::asio::ip::tcp::endpoint peer);

// Whether a browser page from `origin` may open a WebSocket, for a request whose Host is `host`.
bool origin_allowed(const Config& config, std::string_view public_url, std::string_view origin,
                    std::string_view host);

}  // namespace mi::hub
