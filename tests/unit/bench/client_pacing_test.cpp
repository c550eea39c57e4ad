// Pacing the dashboards that only count: a context run in rounds reads what arrived between
// rounds at once.
#include <catch2/catch.hpp>

#include <array>
#include <chrono>
#include <functional>
#include <string_view>
#include <thread>

#include <boost/asio/buffer.hpp>
#include <boost/asio/local/connect_pair.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/write.hpp>

#include "bench/loadgen/client_pacing.hpp"

using namespace mi::bench;
namespace asio = boost::asio;

TEST_CASE("run in rounds reads what came between rounds in one read, and returns when work ends") {
  asio::io_context io(1);
  asio::local::stream_protocol::socket reader(io), writer(io);
  asio::local::connect_pair(reader, writer);
  std::array<char, 4096> buffer{};
  int reads = 0;
  std::size_t bytes = 0;
  std::function<void()> read_next = [&] {
    reader.async_read_some(asio::buffer(buffer), [&](boost::system::error_code ec, std::size_t n) {
      if (ec) return;  // the writer closed: no work left
      ++reads;
      bytes += n;
      read_next();
    });
  };
  read_next();
  // Three messages written one after the other while the context sleeps between rounds, from
  // another thread; then the writer closes, which ends the reader's work.
  std::thread sender([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    for (int i = 0; i < 3; ++i) asio::write(writer, asio::buffer(std::string_view("event\n")));
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
    writer.close();
  });
  auto started = std::chrono::steady_clock::now();
  run_in_rounds(io, std::chrono::milliseconds(100));
  sender.join();
  CHECK(bytes == 18);
  CHECK(reads == 1);
  CHECK(io.stopped());
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(5));
}
