#include "agent_client.hpp"

#include <fstream>
#include <iostream>
#include <random>
#include <stdexcept>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/websocket.hpp>

#include "raw_ws.hpp"

namespace mi::bench {

using asio::use_awaitable;
using namespace std::chrono_literals;

namespace {

constexpr std::string_view kHeartbeat = R"({"type":"heartbeat"})";

}  // namespace

std::vector<std::string> read_tokens(const Config& config) {
  std::ifstream in(config.tokens_file);
  if (!in) throw std::runtime_error("cannot read tokens file " + config.tokens_file);
  std::vector<std::string> tokens;
  std::string line;
  std::uint64_t n = 0;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    if (n++ < config.offset) continue;
    tokens.push_back(line);
    if (config.count && tokens.size() >= config.count) break;
  }
  if (config.count && tokens.size() < config.count) {
    throw std::runtime_error("tokens file has " + std::to_string(tokens.size()) + " tokens after offset, need " +
                             std::to_string(config.count));
  }
  return tokens;
}

AgentSwarm::AgentSwarm(asio::io_context& io, const Config& config, std::vector<std::string> tokens)
    : io_(io), config_(config) {
  for (auto& hub : config.hubs) targets_.push_back(parse_target(hub));
  agents.reserve(tokens.size());
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    auto a = std::make_unique<Agent>();
    a->index = i;
    a->token = std::move(tokens[i]);
    auto first = a->token.find(':');
    auto second = a->token.find(':', first + 1);
    a->id = a->token.substr(first + 1, second - first - 1);
    a->target = &targets_[i % targets_.size()];
    a->source = parse_source(config.sources[i % config.sources.size()]);
    agents.push_back(std::move(a));
  }
  for (auto& a : agents) by_id_.emplace(a->id, a.get());
  for (std::size_t i = 0; i < config.batch; ++i) flood_frames_ += raw_ws::masked_text_frame(kHeartbeat);
  if (config.tls) {
    tls_ = std::make_unique<tls::ClientContext>(tls::ClientOptions{config.ca_file, config.tls_resume});
    heartbeat_frame_ = raw_ws::masked_text_frame(kHeartbeat);
  }
}

Agent* AgentSwarm::find(std::string_view id) {
  auto it = by_id_.find(id);
  return it == by_id_.end() ? nullptr : it->second;
}

asio::awaitable<void> AgentSwarm::send_message(Agent& a, std::string_view text) {
  if (a.tls) {
    co_await a.tls->send_text(text);
  } else {
    co_await send_text(*a.ws, text);
  }
}

asio::awaitable<std::string_view> AgentSwarm::read_message(Agent& a) {
  if (a.tls) co_return co_await a.tls->read_text();
  co_return co_await read_text(*a.ws, a.buffer);
}

asio::awaitable<void> AgentSwarm::open_agent(Agent& a) {
  if (tls_) {
    a.tls = std::make_shared<TlsWs>(io_, *tls_, &a.session);
    a.writing = false;  // a heartbeat still waiting on the connection before belongs to that one
    co_await a.tls->open(*a.target, a.source);
    ++counters.tls_handshakes;
    if (a.tls->stream.resumed()) ++counters.tls_resumed;
  } else {
    a.ws = std::make_unique<Ws>(io_);
    co_await open_ws(*a.ws, *a.target, a.source);
  }
  a.hello_ns.store(mono_ns(), std::memory_order_release);
  co_await send_message(a, R"({"type":"hello","token":")" + a.token + "\"}");
  for (;;) {
    auto reply = co_await read_message(a);
    if (reply.find("\"welcome\"") != std::string_view::npos || config_.minimal_hello) break;
    if (reply.find("\"error\"") != std::string_view::npos) throw std::runtime_error(std::string(reply));
  }
  auto now = welcomed(a);
  if (config_.reconnect && counters.closes > 0 && counters.online == agents.size()) {
    // Reconnect storm: every agent is back; bench/run times the storm from this line.
    std::cout << "ALLONLINE {\"t_ns\":" << now << ",\"first_close_ns\":" << counters.first_close_ns
              << ",\"storm_first_close_ns\":" << counters.storm_first_close_ns
              << ",\"reconnects\":" << counters.reconnects << ",\"failures\":" << counters.failures
              << ",\"welcomes\":" << counters.welcomes << ",\"tls_handshakes\":" << counters.tls_handshakes
              << ",\"tls_resumed\":" << counters.tls_resumed << "}" << std::endl;
  }
}

std::int64_t AgentSwarm::welcomed(Agent& a) {
  auto now = mono_ns();
  hello_latency.add_ns(now - a.hello_ns.load(std::memory_order_relaxed));
  a.online = true;
  ++counters.welcomes;
  counters.last_welcome_ns = now;
  if (++counters.online > counters.max_online) counters.max_online = counters.online;
  return now;
}

void AgentSwarm::went_offline(Agent& a) {
  if (!a.online) return;
  auto now = mono_ns();
  if (counters.online == agents.size()) counters.storm_first_close_ns = now;
  a.online = false;
  --counters.online;
  ++counters.closes;
  if (counters.first_close_ns == 0) counters.first_close_ns = now;
}

std::size_t AgentSwarm::drop_all() {
  std::size_t dropped = 0;
  for (auto& a : agents) {
    if (!a->online) continue;
    if (a->tls) {
      a->tls->stream.close();
    } else if (a->ws) {
      beast::error_code ignored;
      a->ws->next_layer().close(ignored);
    }
    ++dropped;  // its reader sees the end, counts it offline and (with --reconnect) comes back
  }
  return dropped;
}

asio::awaitable<void> AgentSwarm::reader(Agent& a) {
  std::mt19937 rng(static_cast<unsigned>(a.index));
  for (;;) {
    try {
      for (;;) co_await read_message(a);
    } catch (const std::exception&) {
    }
    went_offline(a);
    if (!config_.reconnect || stopping_) co_return;
    // Jittered backoff: first retry within 100 ms, then doubling up to 2 s.
    double backoff_ms = 100;
    for (;;) {
      asio::steady_timer wait(io_, std::chrono::microseconds(static_cast<long>(
                                       std::uniform_real_distribution<double>(0, backoff_ms)(rng) * 1000)));
      co_await wait.async_wait(use_awaitable);
      if (stopping_) co_return;
      ++counters.reconnects;
      try {
        co_await open_agent(a);
        break;
      } catch (const std::exception& e) {
        ++counters.failures;
        counters.last_error = e.what();
        backoff_ms = std::min(backoff_ms * 2, 2000.0);
      }
    }
  }
}

asio::awaitable<void> AgentSwarm::connect_all() {
  std::size_t next = 0;
  std::size_t lanes_done = 0;
  auto lanes = std::min<std::size_t>(config_.concurrency, agents.size());
  asio::steady_timer all_done(io_, asio::steady_timer::time_point::max());
  auto lane = [&]() -> asio::awaitable<void> {
    while (next < agents.size()) {
      auto& a = *agents[next++];
      for (int attempt = 0; attempt < 5; ++attempt) {
        bool opened = false;
        try {
          co_await open_agent(a);
          asio::co_spawn(io_, reader(a), asio::detached);
          opened = true;
        } catch (const std::exception& e) {
          ++counters.failures;
          counters.last_error = e.what();
        }
        if (opened) break;
        asio::steady_timer wait(io_, std::chrono::milliseconds(100 << attempt));
        co_await wait.async_wait(use_awaitable);
      }
    }
    if (++lanes_done == lanes) all_done.cancel();
  };
  if (lanes == 0) co_return;
  for (std::size_t i = 0; i < lanes; ++i) asio::co_spawn(io_, lane(), asio::detached);
  try {
    co_await all_done.async_wait(use_awaitable);
  } catch (...) {
  }
}

void AgentSwarm::start_heartbeats(double period_s) {
  if (period_s <= 0 || agents.empty()) return;
  // Buckets: the ticker runs every period/buckets and writes to one bucket, so the load is even.
  std::size_t buckets = std::min<std::size_t>(agents.size(), std::max<std::size_t>(1, period_s * 1000 / 2));
  buckets = std::min<std::size_t>(buckets, 1000);
  auto tick = std::chrono::nanoseconds(static_cast<long long>(period_s * 1e9 / static_cast<double>(buckets)));
  asio::co_spawn(
      io_,
      [this, buckets, tick]() -> asio::awaitable<void> {
        asio::steady_timer timer(io_);
        auto next = std::chrono::steady_clock::now();
        for (std::size_t b = 0; !stopping_; b = (b + 1) % buckets) {
          for (std::size_t i = b; i < agents.size(); i += buckets) {
            auto& a = *agents[i];
            if (!a.online || a.writing) continue;
            heartbeat(a);
          }
          next += tick;
          timer.expires_at(next);
          co_await timer.async_wait(use_awaitable);
        }
      },
      asio::detached);
}

void AgentSwarm::heartbeat(Agent& a) {
  if (!a.tls) {
    a.writing = true;
    a.ws->async_write(asio::buffer(kHeartbeat.data(), kHeartbeat.size()), [this, &a](beast::error_code ec, std::size_t) {
      a.writing = false;
      if (!ec) ++counters.frames_sent;
    });
    return;
  }
  try {
    if (a.tls->stream.try_write(heartbeat_frame_)) {
      ++counters.frames_sent;
      return;
    }
  } catch (const std::exception& e) {
    counters.last_error = e.what();  // the reader sees the connection's end
    return;
  }
  // The socket is full: the same bytes again once it takes them, by a coroutine that keeps the
  // connection alive until it is done.
  a.writing = true;
  asio::co_spawn(
      io_,
      [this, &a, link = a.tls]() -> asio::awaitable<void> {
        try {
          co_await link->stream.write(heartbeat_frame_);
          ++counters.frames_sent;
        } catch (const std::exception& e) {
          counters.last_error = e.what();
        }
        if (a.tls == link) a.writing = false;
      },
      asio::detached);
}

asio::awaitable<void> AgentSwarm::flood(Agent& a) {
  try {
    while (!stopping_ && a.online) {
      co_await asio::async_write(a.ws->next_layer(), asio::buffer(flood_frames_), use_awaitable);
      counters.frames_sent += config_.batch;
    }
  } catch (const std::exception& e) {
    counters.last_error = e.what();
  }
}

void AgentSwarm::start_flood() {
  for (auto& a : agents) {
    if (a->online) asio::co_spawn(io_, flood(*a), asio::detached);
  }
}

}  // namespace mi::bench
