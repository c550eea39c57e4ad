#pragma once
// Opening a TCP connection to the hub within a deadline: name resolution included, which Asio
// cannot time out by itself.

#include <chrono>

#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include "cli/hub_url.hpp"

namespace mi::cli {

// Connects `stream` to the hub; throws NetworkError when that fails or takes over `timeout`.
// The stream's own timer is left running with what remains of the deadline.
boost::asio::awaitable<void> connect_to_hub(boost::beast::tcp_stream& stream, const HubUrl& hub,
                                            std::chrono::steady_clock::duration timeout);

// A few words for a failed network step: "connection refused", "no answer within 10s".
std::string describe_network_failure(const boost::system::error_code& error,
                                     std::chrono::steady_clock::duration timeout);

}  // namespace mi::cli
