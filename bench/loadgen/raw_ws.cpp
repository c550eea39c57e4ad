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

namespace {

// Reads one data message (a single frame, as servers send) whose header is at the front of the
// buffer or still to come, skipping control frames before it, and hands its payload to `chunk`
// in pieces as they come, consuming them. Returns its bytes on the wire.
template <class Chunk>
asio::awaitable<std::uint64_t> stream_message(Connection& c, Chunk&& chunk, std::int64_t* header_ns) {
  FrameStart start;
  for (;;) {
    start = frame_start(c.buffer.data(), c.have);
    if (start.header != 0) {
      unsigned opcode = c.buffer[0] & 0x0fu;
      if (opcode < 0x8) break;
      if (opcode == 0x8) throw std::runtime_error("closed by the server");
      if (c.have >= start.header + start.length) {  // ping or pong
        c.consume(start.header + static_cast<std::size_t>(start.length));
        continue;
      }
    }
    if (c.have == c.buffer.size()) throw std::runtime_error("frame header too long");
    co_await c.read_more();
  }
  if (header_ns) *header_ns = mono_ns();
  c.consume(start.header);
  std::uint64_t left = start.length;
  while (left > 0) {
    if (c.have == 0) co_await c.read_more();
    auto here = static_cast<std::size_t>(std::min<std::uint64_t>(left, c.have));
    chunk(std::string_view(reinterpret_cast<const char*>(c.buffer.data()), here));
    c.consume(here);
    left -= here;
  }
  co_return start.header + start.length;
}

// The first and last bytes of a streamed message, and its agent objects (AGENT starts with
// `{"id":"`, docs/protocol.md 3.7), counted across the pieces' boundaries.
struct MessageScan {
  static constexpr std::size_t kHead = 256, kTail = 128;
  static constexpr std::string_view kAgent = "{\"id\":\"";
  std::string head, tail, carry;
  std::uint64_t agents = 0;

  void operator()(std::string_view piece) {
    if (head.size() < kHead) head.append(piece.substr(0, kHead - head.size()));
    tail.append(piece.size() > kTail ? piece.substr(piece.size() - kTail) : piece);
    if (tail.size() > kTail) tail.erase(0, tail.size() - kTail);
    std::string joined = carry;
    joined.append(piece.substr(0, std::min<std::size_t>(piece.size(), kAgent.size())));
    agents += count(joined) + count(piece) - count(piece.substr(0, std::min<std::size_t>(piece.size(), kAgent.size())));
    carry.append(piece.substr(piece.size() - std::min<std::size_t>(piece.size(), kAgent.size() - 1)));
    if (carry.size() > kAgent.size() - 1) carry.erase(0, carry.size() - (kAgent.size() - 1));
  }
  static std::uint64_t count(std::string_view s) {
    std::uint64_t n = 0;
    for (auto at = s.find(kAgent); at != std::string_view::npos; at = s.find(kAgent, at + 1)) ++n;
    return n;
  }
};

}  // namespace

std::uint64_t snapshot_parts(std::string_view head, std::string_view tail) {
  constexpr std::string_view key = "\"parts\":";
  auto value = [&](std::string_view s, std::size_t at) -> std::uint64_t {
    at += key.size();
    std::uint64_t v = 0;
    bool any = false;
    while (at < s.size() && s[at] >= '0' && s[at] <= '9') {
      v = v * 10 + static_cast<std::uint64_t>(s[at++] - '0');
      any = true;
    }
    return any && v > 0 ? v : 1;
  };
  auto agents_at = head.find("\"agents\":");
  auto in_head = head.find(key);
  if (in_head != std::string_view::npos && in_head < agents_at) return value(head, in_head);
  auto list_end = tail.rfind(']');
  auto in_tail = tail.rfind(key);
  if (in_tail != std::string_view::npos && (list_end == std::string_view::npos || in_tail > list_end))
    return value(tail, in_tail);
  return 1;
}

asio::awaitable<SnapshotRead> read_snapshot(Connection& c) {
  SnapshotRead r;
  for (std::uint64_t part = 1; part <= r.announced; ++part) {
    MessageScan scan;
    r.bytes += co_await stream_message(c, scan, part == 1 ? &r.first_ns : nullptr);
    r.last_ns = mono_ns();
    const char* type = part == 1 ? "\"snapshot\"" : "\"snapshot_part\"";
    if (scan.head.find(type) == std::string::npos) {
      throw std::runtime_error(part == 1 ? scan.head
                                         : "part " + std::to_string(part) + " of " + std::to_string(r.announced) +
                                               " missing, got: " + scan.head);
    }
    if (part == 1) r.announced = snapshot_parts(scan.head, scan.tail);
    r.agents += scan.agents;
    ++r.parts;
  }
  co_return r;
}

asio::awaitable<void> skip_snapshot(Connection& c) { co_await read_snapshot(c); }

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
