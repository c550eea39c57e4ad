// Pacing the dashboards that only count: a context run in rounds reads what arrived between
// rounds at once. The pause between rounds is where the test makes things arrive: no thread, no
// timing.
#include <catch2/catch.hpp>

#include <array>
#include <chrono>
#include <functional>
#include <string_view>
#include <vector>

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
  // During the first pause three messages arrive one after the other; during the second the
  // writer closes, which ends the reader's work.
  std::vector<std::chrono::microseconds> pauses;
  auto pause = [&](std::chrono::microseconds length) {
    pauses.push_back(length);
    if (pauses.size() == 1) {
      for (int i = 0; i < 3; ++i) asio::write(writer, asio::buffer(std::string_view("event\n")));
    } else if (pauses.size() == 2) {
      writer.close();
    }
  };
  run_in_rounds(io, std::chrono::milliseconds(100), pause);
  CHECK(bytes == 18);
  CHECK(reads == 1);
  CHECK(io.stopped());
  CHECK(pauses == std::vector<std::chrono::microseconds>(2, std::chrono::milliseconds(100)));
}

TEST_CASE("run in rounds does not pause when there is no work at all") {
  asio::io_context io(1);
  int paused = 0;
  run_in_rounds(io, std::chrono::milliseconds(100), [&](std::chrono::microseconds) { ++paused; });
  CHECK(io.stopped());
  CHECK(paused == 0);
}
