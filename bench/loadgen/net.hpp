#pragma once
// Shared networking pieces: clock, endpoints, WebSocket open with a chosen source address.
#include <time.h>

#include <cstdint>
#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket/stream.hpp>

namespace mi::bench {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using Ws = websocket::stream<tcp::socket>;

// Throws "what: strerror(errno)" unless `ok`: for the plain system calls of the floors.
void check_errno(bool ok, const char* what);

// A clock_gettime(2) clock in ns.
std::int64_t clock_ns(clockid_t clock);
// CLOCK_MONOTONIC in ns: one clock for every process of the machine, so stamps cross processes.
inline std::int64_t mono_ns() { return clock_ns(CLOCK_MONOTONIC); }

struct Target {
  tcp::endpoint endpoint;
  std::string host;  // "HOST:PORT" for the Host header
};
Target parse_target(const std::string& host_port);
asio::ip::address parse_source(const std::string& source);  // "" -> unspecified

// TCP connect from `source` (IP_BIND_ADDRESS_NO_PORT: the port is picked at connect time, so one
// source address serves many destinations), then the WebSocket handshake on /v1/ws.
asio::awaitable<void> open_ws(Ws& ws, const Target& target, const asio::ip::address& source);

// Sends one text frame.
asio::awaitable<void> send_text(Ws& ws, std::string_view text);
// Reads one message into `buffer` (cleared first) and returns it as a view.
asio::awaitable<std::string_view> read_text(Ws& ws, beast::flat_buffer& buffer);

// Value of "key":"..." in a JSON text, without unescaping (enough for ids, codes and tokens).
std::string_view json_string_field(std::string_view json, std::string_view key, std::size_t from = 0);

// With --barrier: prints `READY {json}` and blocks the calling coroutine until stdin has a line.
asio::awaitable<void> barrier(asio::io_context& io, const std::string& ready_json);

}  // namespace mi::bench
