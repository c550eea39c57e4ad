#include "raw_ws.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include <boost/asio/buffer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>


namespace mi::bench::raw_ws {

using asio::use_awaitable;

std::string masked_frame(std::string_view payload, unsigned opcode) {
  std::string frame;
  frame.push_back(static_cast<char>(0x80 | opcode));
  if (payload.size() < 126) {
    frame.push_back(static_cast<char>(0x80 | payload.size()));
  } else {
    frame.push_back(static_cast<char>(0x80 | 126));
    frame.push_back(static_cast<char>(payload.size() >> 8));
    frame.push_back(static_cast<char>(payload.size() & 0xff));
  }
  frame.append(4, '\0');
  frame.append(payload);
  return frame;
}

std::string masked_close_frame() {
  const char code[2] = {static_cast<char>(1000 >> 8), static_cast<char>(1000 & 0xff)};
  return masked_frame(std::string_view(code, 2), 0x8);
}

FrameStart frame_start(const unsigned char* data, std::size_t size) {
  if (size < 2) return {};
  std::size_t header = 2 + ((data[1] & 0x80) ? 4 : 0);
  std::uint64_t length = data[1] & 0x7f;
  if (length == 126) {
    header += 2;
    if (size < header) return {};
    length = (static_cast<std::uint64_t>(data[2]) << 8) | data[3];
  } else if (length == 127) {
    header += 8;
    if (size < header) return {};
    length = 0;
    for (int i = 0; i < 8; ++i) length = (length << 8) | data[2 + i];
  }
  if (size < header) return {};
  return {header, length};
}

std::optional<WholeFrame> whole_frame(const unsigned char* data, std::size_t size) {
  auto start = frame_start(data, size);
  if (start.header == 0 || size < start.header + start.length) return std::nullopt;
  return WholeFrame{data[0] & 0x0fu,
                    std::string_view(reinterpret_cast<const char*>(data + start.header),
                                     static_cast<std::size_t>(start.length)),
                    start.header + static_cast<std::size_t>(start.length)};
}

std::string upgrade_request(std::string_view host) {
  return "GET /v1/ws HTTP/1.1\r\nHost: " + std::string(host) +
         "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
         "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
}

std::optional<std::size_t> upgrade_answer_length(std::string_view bytes) {
  auto headers_end = bytes.find("\r\n\r\n");
  if (headers_end == std::string_view::npos) return std::nullopt;
  auto status = bytes.substr(0, bytes.find("\r\n"));
  if (status.find(" 101") == std::string_view::npos) throw std::runtime_error("upgrade refused: " + std::string(status));
  return headers_end + 4;
}

asio::awaitable<void> Connection::read_more() {
  if (have == buffer.size()) throw std::runtime_error("message larger than the read buffer");
  have += co_await socket.async_read_some(asio::buffer(buffer.data() + have, buffer.size() - have), use_awaitable);
}

asio::awaitable<ArrivalTimes> Connection::read_more_stamped() {
  if (have == buffer.size()) throw std::runtime_error("message larger than the read buffer");
  for (;;) {
    auto read = read_stamped(socket.native_handle(), buffer.data() + have, buffer.size() - have);
    if (!read.would_block) {
      have += read.bytes;
      co_return read.times;
    }
    co_await socket.async_wait(tcp::socket::wait_read, use_awaitable);
  }
}

void Connection::consume(std::size_t count) {
  std::memmove(buffer.data(), buffer.data() + count, have - count);
  have -= count;
}

asio::awaitable<void> open(Connection& c, const Target& target, const asio::ip::address& source) {
  c.have = 0;
  c.socket.open(tcp::v4());
  if (!source.is_unspecified()) {
    int one = 1;
    ::setsockopt(c.socket.native_handle(), IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
    c.socket.bind(tcp::endpoint(source, 0));
  }
  co_await c.socket.async_connect(target.endpoint, use_awaitable);
  c.socket.set_option(tcp::no_delay(true));
  std::string request = upgrade_request(target.host);
  co_await asio::async_write(c.socket, asio::buffer(request), use_awaitable);
  std::optional<std::size_t> answer;
  while (!answer) {
    co_await c.read_more();
    answer = upgrade_answer_length(std::string_view(reinterpret_cast<const char*>(c.buffer.data()), c.have));
  }
  c.consume(*answer);
}

asio::awaitable<void> watch(Connection& c, std::string_view colony, std::string_view token) {
  auto frame = masked_text_frame(R"({"type":"watch","colony":")" + std::string(colony) + R"(","token":")" +
                                 std::string(token) + "\"}");
  co_await asio::async_write(c.socket, asio::buffer(frame), use_awaitable);
  co_await skip_snapshot(c);
}

asio::awaitable<void> skip_snapshot(Connection& c) {
  // Enough of the message to tell a snapshot from an error, and all of an error (small).
  constexpr std::size_t kTypePrefix = 48;
  FrameStart start;
  for (;;) {
    start = frame_start(c.buffer.data(), c.have);
    if (start.header != 0 && c.have >= start.header + std::min<std::uint64_t>(start.length, kTypePrefix)) {
      std::string_view payload(reinterpret_cast<const char*>(c.buffer.data() + start.header),
                               std::min<std::uint64_t>(start.length, c.have - start.header));
      if (payload.find("\"snapshot\"") != std::string_view::npos) break;
      if (payload.size() == start.length || c.have == c.buffer.size()) throw std::runtime_error(std::string(payload));
    }
    if (c.have == c.buffer.size()) throw std::runtime_error("first message header too long");
    co_await c.read_more();
  }
  auto left = start.header + start.length;
  for (;;) {
    auto here = static_cast<std::size_t>(std::min<std::uint64_t>(left, c.have));
    c.consume(here);
    left -= here;
    if (left == 0) break;
    co_await c.read_more();
  }
}

asio::awaitable<Message> read_message(Connection& c) {
  for (;;) {
    if (auto frame = whole_frame(c.buffer.data(), c.have)) {
      if (frame->opcode == 0x8) throw std::runtime_error("closed by the server");
      if (frame->opcode < 0x8) co_return Message{frame->payload, frame->bytes};
      c.consume(frame->bytes);  // ping or pong: nothing to answer in a short-lived client
      continue;
    }
    co_await c.read_more();
  }
}

}  // namespace mi::bench::raw_ws
