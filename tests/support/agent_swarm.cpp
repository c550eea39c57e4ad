#include "tests/support/agent_swarm.hpp"

#include "hub/core/no_throw.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

namespace mi::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;

struct AgentSwarm::Impl {
  asio::io_context io;
  std::size_t total = 0;
  std::atomic<bool> stopping{false};
};

namespace {

asio::awaitable<void> run_agent(AgentSwarm::Impl& impl, unsigned short port, std::string code,
                                std::chrono::milliseconds interval, std::atomic<std::uint64_t>& heartbeats,
                                std::atomic<std::size_t>& welcomed, std::atomic<std::size_t>& failures) {
  websocket::stream<beast::tcp_stream> ws(impl.io);
  auto& tcp = beast::get_lowest_layer(ws);
  tcp.expires_after(std::chrono::seconds(20));
  auto [connect_error] =
      co_await tcp.async_connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), kNoThrow);
  if (connect_error) {
    ++failures;
    co_return;
  }
  auto [handshake_error] = co_await ws.async_handshake("127.0.0.1", "/v1/ws", kNoThrow);
  if (handshake_error) {
    ++failures;
    co_return;
  }
  std::string onboard = R"({"type":"onboard","code":")" + code + R"("})";
  co_await ws.async_write(asio::buffer(onboard), kNoThrow);
  beast::flat_buffer buffer;
  auto [read_error, bytes] = co_await ws.async_read(buffer, kNoThrow);
  if (read_error || beast::buffers_to_string(buffer.data()).find("\"welcome\"") == std::string::npos) {
    ++failures;
    co_return;
  }
  tcp.expires_never();
  ++welcomed;
  asio::steady_timer timer(impl.io);
  static const std::string kHeartbeat = R"({"type":"heartbeat"})";
  while (!impl.stopping) {
    timer.expires_after(interval);
    co_await timer.async_wait(kNoThrow);
    if (impl.stopping) break;
    auto [write_error, written] = co_await ws.async_write(asio::buffer(kHeartbeat), kNoThrow);
    if (write_error) {
      ++failures;
      co_return;
    }
    ++heartbeats;
  }
  co_await ws.async_close(websocket::close_code::normal, kNoThrow);
}
}  // namespace

AgentSwarm::AgentSwarm(unsigned short port, std::vector<std::string> codes, std::chrono::milliseconds heartbeat_interval)
    : impl_(std::make_unique<Impl>()) {
  impl_->total = codes.size();
  for (auto& code : codes) {
    asio::co_spawn(impl_->io,
                   run_agent(*impl_, port, std::move(code), heartbeat_interval, heartbeats_sent_, welcomed_, failures_),
                   asio::detached);
  }
  thread_ = std::thread([this] { impl_->io.run(); });
}

AgentSwarm::~AgentSwarm() { stop(); }

std::size_t AgentSwarm::wait_welcomed(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline && welcomed_.load() + failures_.load() < impl_->total) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return welcomed_.load();
}

void AgentSwarm::stop() {
  if (!thread_.joinable()) return;
  impl_->stopping = true;
  // Closing handshakes get a moment; then the loop is stopped regardless.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!impl_->io.stopped() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  impl_->io.stop();
  thread_.join();
}

}  // namespace mi::test
