// The probe watchers' clock: the kernel's stamp of when bytes reached a socket, which a late
// reader still gets right, and the snapshot a watcher skips before it times events. Over real
// loopback TCP: the kernel stamps segments only on a network path.
#include <catch2/catch.hpp>

#include <array>
#include <chrono>
#include <string>
#include <thread>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/asio/write.hpp>

#include "bench/loadgen/arrival_stamp.hpp"
#include "bench/loadgen/net.hpp"
#include "bench/loadgen/raw_ws.hpp"
#include "protocol/websocket_frame.hpp"

using namespace mi::bench;
namespace ws = mi::protocol::websocket;

namespace {

// A connected pair of TCP sockets on loopback: segments carry the kernel's receive stamps only
// over a real network path.
struct LoopbackPair {
  asio::io_context io{1};
  tcp::acceptor acceptor{io, tcp::endpoint(asio::ip::address_v4::loopback(), 0)};
  tcp::socket writer{io}, reader{io};
  LoopbackPair() {
    writer.connect(acceptor.local_endpoint());
    acceptor.accept(reader);
  }
};

// Reads what is there, waiting for it.
StampedRead read_when_there(int fd, std::array<char, 64>& buffer) {
  for (int tries = 0; tries < 1000; ++tries) {
    auto read = read_stamped(fd, buffer.data(), buffer.size());
    if (!read.would_block) return read;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  FAIL("nothing arrived");
  return {};
}

// The kernel turns receive stamps on for the whole machine a little after the first socket asks
// for them: sends a byte at a time until one comes back stamped.
void wait_for_stamps(LoopbackPair& pair) {
  std::array<char, 64> buffer{};
  for (int tries = 0; tries < 200; ++tries) {
    asio::write(pair.writer, asio::buffer(std::string("p")));
    if (read_when_there(pair.reader.native_handle(), buffer).kernel_stamp) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  FAIL("the kernel never stamped a segment");
}

}  // namespace

TEST_CASE("a late read still gets the time its bytes arrived, which is before it read them") {
  LoopbackPair pair;
  enable_arrival_stamps(pair.reader.native_handle());
  wait_for_stamps(pair);
  std::array<char, 64> buffer{};
  CHECK(read_stamped(pair.reader.native_handle(), buffer.data(), buffer.size()).would_block);

  auto before_send = mono_ns();
  asio::write(pair.writer, asio::buffer(std::string("hello")));
  auto after_send = mono_ns();
  // On loopback a segment is received within the sender's send(2): the reader comes late.
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  auto read = read_stamped(pair.reader.native_handle(), buffer.data(), buffer.size());

  REQUIRE_FALSE(read.would_block);
  REQUIRE(read.kernel_stamp);
  CHECK(std::string(buffer.data(), read.bytes) == "hello");
  // Within the send, give or take the two clocks' reading (and any slewing of the real-time one).
  constexpr std::int64_t kClocksSlack = 1'000'000;
  CHECK(read.times.arrival_ns >= before_send - kClocksSlack);
  CHECK(read.times.arrival_ns <= after_send + kClocksSlack);
  CHECK(read.times.read_ns - read.times.arrival_ns >= 20'000'000 - kClocksSlack);
}

TEST_CASE("without stamps enabled the arrival is the read's own time") {
  LoopbackPair pair;
  asio::write(pair.writer, asio::buffer(std::string("x")));
  std::array<char, 64> buffer{};
  auto read = read_when_there(pair.reader.native_handle(), buffer);
  CHECK_FALSE(read.kernel_stamp);
  CHECK(read.times.arrival_ns == read.times.read_ns);
}

TEST_CASE("the end of the stream is an error, not an empty read") {
  LoopbackPair pair;
  pair.writer.close();
  std::array<char, 8> buffer{};
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  CHECK_THROWS_WITH(read_stamped(pair.reader.native_handle(), buffer.data(), buffer.size()), "closed by the server");
}

TEST_CASE("a snapshot larger than the buffer is skipped whole, and what follows it is kept") {
  LoopbackPair pair;
  raw_ws::Connection connection(pair.io, 1024);
  connection.socket = std::move(pair.reader);
  std::string snapshot = R"({"type":"snapshot","agents":[)" + std::string(10'000, ' ') + "]}";
  std::string event = R"({"type":"event","seq":1})";
  asio::write(pair.writer, asio::buffer(ws::encode_frame(ws::Opcode::text, snapshot) +
                                        ws::encode_frame(ws::Opcode::text, event)));
  auto skipped = asio::co_spawn(pair.io, raw_ws::skip_snapshot(connection), asio::use_future);
  pair.io.run();
  skipped.get();

  auto next = raw_ws::whole_frame(connection.buffer.data(), connection.have);
  if (!next) {  // the event's bytes may come in a later read
    pair.io.restart();
    auto more = asio::co_spawn(pair.io, connection.read_more(), asio::use_future);
    pair.io.run();
    more.get();
    next = raw_ws::whole_frame(connection.buffer.data(), connection.have);
  }
  REQUIRE(next);
  CHECK(next->payload == event);
}

TEST_CASE("a first message other than a snapshot is thrown with its text") {
  LoopbackPair pair;
  raw_ws::Connection connection(pair.io, 1024);
  connection.socket = std::move(pair.reader);
  std::string error = R"({"type":"error","code":"unauthorized"})";
  asio::write(pair.writer, asio::buffer(ws::encode_frame(ws::Opcode::text, error)));
  auto skipped = asio::co_spawn(pair.io, raw_ws::skip_snapshot(connection), asio::use_future);
  pair.io.run();
  CHECK_THROWS_WITH(skipped.get(), error);
}
