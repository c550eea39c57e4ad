#pragma once
// One accepted TCP connection: HTTP/1.1 requests with keep-alive, until it upgrades to a
// WebSocket at /v1/ws (after the Origin check) or closes.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "hub/fanout/shard.hpp"

namespace mi::hub {

// `peer` is the address the accept returned.
boost::asio::awaitable<void> serve_connection(Shard& shard, Shard::Socket socket, boost::asio::ip::tcp::endpoint peer);

}  // namespace mi::hub
