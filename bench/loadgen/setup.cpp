#include "setup.hpp"

#include <algorithm>
#include <fstream>
#include <iostream>
#include <stdexcept>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/asio/write.hpp>

#include "histogram.hpp"
#include "net.hpp"
#include "raw_ws.hpp"

namespace mi::bench {

namespace http = beast::http;
using asio::use_awaitable;

namespace {

// A PROGRESS line every this many invites or onboardings: preparing a million agents takes
// minutes.
constexpr std::size_t kProgressEvery = 10000;
std::size_t invited = 0, onboarded = 0;

void print_progress() {
  std::cout << "PROGRESS {\"invites\":" << invited << ",\"onboarded\":" << onboarded << "}" << std::endl;
}

asio::awaitable<void> invite_worker(const Config& config, const Target& target, std::vector<std::string>& codes,
                                    std::size_t& next, std::size_t count, std::string& error) {
  try {
    tcp::socket socket(co_await asio::this_coro::executor);
    co_await socket.async_connect(target.endpoint, use_awaitable);
    beast::flat_buffer buffer;
    while (next < count) {
      std::size_t index = next++;
      http::request<http::string_body> request(http::verb::post, "/v1/colonies/" + config.colony + "/invites", 11);
      request.set(http::field::host, target.host);
      request.set(http::field::authorization, "Bearer " + config.admin_token);
      request.set(http::field::content_type, "application/json");
      request.body() = R"({"type":"agent"})";
      request.prepare_payload();
      co_await http::async_write(socket, request, use_awaitable);
      http::response<http::string_body> response;
      co_await http::async_read(socket, buffer, response, use_awaitable);
      auto code = json_string_field(response.body(), "code");
      if (response.result_int() != 201 || code.empty()) throw std::runtime_error("invite: " + response.body());
      codes[index] = std::string(code);
      if (++invited % kProgressEvery == 0) print_progress();
    }
  } catch (const std::exception& e) {
    error = e.what();
  }
}

}  // namespace

std::vector<std::string> create_invites(const Config& config, std::size_t count) {
  asio::io_context io;
  std::vector<std::string> codes(count);
  std::size_t next = 0;
  std::string error;
  // 8 keep-alive connections per hub, over at most 8 hubs: each hub's HTTP work is its own.
  auto connections = 8 * std::min<std::size_t>(config.hubs.size(), 8);
  for (std::size_t i = 0; i < connections; ++i) {
    auto target = parse_target(config.hubs[i % config.hubs.size()]);
    asio::co_spawn(io, invite_worker(config, target, codes, next, count, error), asio::detached);
  }
  io.run();
  if (!error.empty()) throw std::runtime_error(error);
  return codes;
}

std::string run_onboard(const Config& config) {
  auto t0 = mono_ns();
  auto codes = create_invites(config, config.count);
  auto t_invites = mono_ns();
  std::cerr << "mi-loadgen: " << codes.size() << " invites in " << (t_invites - t0) / 1e9 << " s\n";
  asio::io_context io;
  std::vector<std::string> tokens(config.count);
  std::size_t next = 0, failed = 0;
  Histogram latency;
  std::string last_error;
  auto worker = [&](std::size_t lane) -> asio::awaitable<void> {
    while (next < config.count) {
      std::size_t i = next++;
      auto target = parse_target(config.hubs[i % config.hubs.size()]);
      auto source = parse_source(config.sources[lane % config.sources.size()]);
      try {
        // By hand (raw_ws.hpp), as the watchers speak: a million onboardings through a library's
        // handshake and close took much of the cores the hubs and Redis onboard with.
        raw_ws::Connection c(io, 16 * 1024);
        co_await raw_ws::open(c, target, source);
        auto start = mono_ns();
        auto request = raw_ws::masked_text_frame(R"({"type":"onboard","code":")" + codes[i] + R"(","name":")" +
                                                 config.name_prefix + std::to_string(config.offset + i) + "\"}");
        co_await asio::async_write(c.socket, asio::buffer(request), use_awaitable);
        for (;;) {
          auto message = co_await raw_ws::read_message(c);
          auto reply = message.payload;
          if (reply.find("\"welcome\"") == std::string_view::npos) {
            if (reply.find("\"error\"") != std::string_view::npos) throw std::runtime_error(std::string(reply));
            c.consume(message.frame_bytes);
            continue;
          }
          latency.add_ns(mono_ns() - start);
          tokens[i] = std::string(json_string_field(reply, "token"));
          if (++onboarded % kProgressEvery == 0) print_progress();
          break;
        }
        // A close frame, then the socket: the agent leaves as one that closed, at no more cost.
        auto close = raw_ws::masked_close_frame();
        co_await asio::async_write(c.socket, asio::buffer(close), use_awaitable);
        boost::system::error_code ignored;
        c.socket.shutdown(tcp::socket::shutdown_both, ignored);
        c.socket.close(ignored);
      } catch (const std::exception& e) {
        ++failed;
        last_error = e.what();
      }
    }
  };
  for (std::size_t lane = 0; lane < config.concurrency; ++lane) asio::co_spawn(io, worker(lane), asio::detached);
  io.run();
  std::ofstream out(config.out_file);
  std::size_t written = 0;
  for (auto& token : tokens) {
    if (token.empty()) continue;
    out << token << "\n";
    ++written;
  }
  auto t_end = mono_ns();
  std::cerr << "mi-loadgen: onboarded " << written << " agents in " << (t_end - t_invites) / 1e9 << " s"
            << (failed ? ", failures: " + std::to_string(failed) + " last: " + last_error : "") << "\n";
  return "{\"mode\":\"onboard\",\"agents\":" + std::to_string(written) + ",\"failed\":" + std::to_string(failed) +
         ",\"invites_s\":" + std::to_string((t_invites - t0) / 1e9) +
         ",\"onboard_s\":" + std::to_string((t_end - t_invites) / 1e9) + ",\"onboard_latency\":" + latency.json() +
         "}";
}

}  // namespace mi::bench
