#pragma once
// Many agents on one io_context: `hello` with prepared tokens, heartbeats at a set rate (one
// ticker for all, agents spread over its buckets), flood (pre-masked frames written raw, `batch`
// per write) and reconnect with jittered backoff. With --tls the agents speak wss:// through
// tls_ws.hpp (one TLS context for all), with --tls-resume each offering the session its server
// last sent. drop_all() closes every connection from the client's side, as a network that loses
// them would, for the agents to reconnect to the same server. The transitions scenario cycles
// the same agents through cycling_agents.hpp.
#include <cstdint>
#include <functional>
#include <atomic>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "config.hpp"
#include "histogram.hpp"
#include "net.hpp"
#include "tls_client.hpp"
#include "tls_ws.hpp"

namespace mi::bench {

struct Agent {
  std::size_t index = 0;
  std::string token;
  std::string id;  // from the token <colony>:<id>:<secret>
  const Target* target = nullptr;
  asio::ip::address source;
  std::unique_ptr<Ws> ws;
  beast::flat_buffer buffer;
  // With --tls, in place of ws: shared with a heartbeat that waits for the socket, which may
  // outlive the connection.
  std::shared_ptr<TlsWs> tls;
  tls::SessionSlot session;  // with --tls-resume
  bool online = false;
  bool writing = false;
  std::atomic<std::int64_t> hello_ns{0};  // read by the probe watchers' thread (transitions)
};

struct AgentCounters {
  std::uint64_t online = 0, max_online = 0, welcomes = 0, failures = 0, closes = 0, reconnects = 0;
  std::uint64_t frames_sent = 0;
  std::int64_t first_close_ns = 0, last_welcome_ns = 0;
  // The first close since every agent was last online: when the storm being counted began.
  std::int64_t storm_first_close_ns = 0;
  std::uint64_t tls_handshakes = 0, tls_resumed = 0;  // completed handshakes; those that resumed
  std::string last_error;
};

std::vector<std::string> read_tokens(const Config& config);

class AgentSwarm {
 public:
  AgentSwarm(asio::io_context& io, const Config& config, std::vector<std::string> tokens);

  // Opens every agent (config.concurrency at once) and keeps reading; returns once all tried.
  asio::awaitable<void> connect_all();
  void start_heartbeats(double period_s);  // 0: none
  void start_flood();                      // every online agent writes heartbeats as fast as it can
  // Agent whose id is `id`, or nullptr.
  Agent* find(std::string_view id);
  void stop() { stopping_ = true; }
  // Closes every open connection from the client's side, without a closing handshake; with
  // --reconnect the agents then come back. Returns how many it closed.
  std::size_t drop_all();

  AgentCounters counters;
  Histogram hello_latency;  // hello sent -> welcome received
  std::vector<std::unique_ptr<Agent>> agents;

 private:
  asio::awaitable<void> open_agent(Agent& a);
  asio::awaitable<void> reader(Agent& a);
  asio::awaitable<void> flood(Agent& a);
  asio::awaitable<void> send_message(Agent& a, std::string_view text);
  asio::awaitable<std::string_view> read_message(Agent& a);
  void heartbeat(Agent& a);
  std::int64_t welcomed(Agent& a);  // counts a welcome; returns when it came
  void went_offline(Agent& a);

  asio::io_context& io_;
  const Config& config_;
  std::vector<Target> targets_;
  std::unordered_map<std::string_view, Agent*> by_id_;
  std::unique_ptr<tls::ClientContext> tls_;  // with --tls
  std::string flood_frames_;
  std::string heartbeat_frame_;  // masked, for the TLS agents (Beast masks its own)
  bool stopping_ = false;
};

}  // namespace mi::bench
