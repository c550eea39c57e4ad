#include "net.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <stdexcept>
#include <thread>

#include <boost/asio/buffer.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/websocket.hpp>

namespace mi::bench {

using asio::use_awaitable;

void check_errno(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string(what) + ": " + std::strerror(errno));
}

std::int64_t clock_ns(clockid_t clock) {
  timespec ts{};
  clock_gettime(clock, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

Target parse_target(const std::string& host_port) {
  auto colon = host_port.rfind(':');
  Target t;
  t.endpoint = tcp::endpoint(asio::ip::make_address(host_port.substr(0, colon)),
                             static_cast<unsigned short>(std::stoi(host_port.substr(colon + 1))));
  t.host = host_port;
  return t;
}

asio::ip::address parse_source(const std::string& source) {
  if (source.empty()) return {};
  return asio::ip::make_address(source);
}

asio::awaitable<void> open_ws(Ws& ws, const Target& target, const asio::ip::address& source) {
  auto& socket = ws.next_layer();
  socket.open(tcp::v4());
  if (!source.is_unspecified()) {
    int one = 1;
    ::setsockopt(socket.native_handle(), IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
    socket.bind(tcp::endpoint(source, 0));
  }
  co_await socket.async_connect(target.endpoint, use_awaitable);
  socket.set_option(tcp::no_delay(true));
  ws.read_message_max(1 << 22);
  co_await ws.async_handshake(target.host, "/v1/ws", use_awaitable);
  ws.text(true);
}

asio::awaitable<void> send_text(Ws& ws, std::string_view text) {
  co_await ws.async_write(asio::buffer(text.data(), text.size()), use_awaitable);
}

asio::awaitable<std::string_view> read_text(Ws& ws, beast::flat_buffer& buffer) {
  buffer.clear();
  co_await ws.async_read(buffer, use_awaitable);
  auto data = buffer.cdata();
  co_return std::string_view(static_cast<const char*>(data.data()), data.size());
}

std::string_view json_string_field(std::string_view json, std::string_view key, std::size_t from) {
  std::string pattern = "\"" + std::string(key) + "\":\"";
  auto at = json.find(pattern, from);
  if (at == std::string_view::npos) return {};
  auto start = at + pattern.size();
  auto end = json.find('"', start);
  if (end == std::string_view::npos) return {};
  return json.substr(start, end - start);
}

asio::awaitable<void> barrier(asio::io_context& io, const std::string& ready_json) {
  std::cout << "READY " << ready_json << std::endl;
  asio::steady_timer wait(io, asio::steady_timer::time_point::max());
  std::thread([&io, &wait] {
    std::string line;
    std::getline(std::cin, line);
    asio::post(io, [&wait] { wait.cancel(); });
  }).detach();
  try {
    co_await wait.async_wait(use_awaitable);
  } catch (...) {
  }
}

}  // namespace mi::bench
