// Pacing the clients that only make load: a lowered thread keeps its own nice value, and a
// context run in rounds reads what arrived between rounds at once.
#include <catch2/catch.hpp>

#include <sys/resource.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <thread>

#include <boost/asio/buffer.hpp>
#include <boost/asio/local/connect_pair.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include "bench/loadgen/client_pacing.hpp"

using namespace mi::bench;
namespace asio = boost::asio;

namespace {

int nice_of_this_thread() { return getpriority(PRIO_PROCESS, static_cast<id_t>(gettid())); }

}  // namespace

TEST_CASE("a lowered thread runs at its nice value and the others keep theirs") {
  int before = nice_of_this_thread();
  int lowered = -100, child_of_lowered = -100;
  std::thread load([&] {
    lower_this_thread(19);
    lowered = nice_of_this_thread();
    std::thread([&] { child_of_lowered = nice_of_this_thread(); }).join();
  });
  load.join();
  CHECK(lowered == 19);
  CHECK(child_of_lowered == 19);
  CHECK(nice_of_this_thread() == before);
}

TEST_CASE("nice 0 leaves the thread as it is") {
  int before = nice_of_this_thread();
  lower_this_thread(0);
  CHECK(nice_of_this_thread() == before);
}

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
