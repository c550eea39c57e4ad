#pragma once
// The agents of the transitions scenario: at a set rate an idle agent connects, upgrades, says
// `hello`, waits for its welcome, stays online for the hold time, sends a close frame and reads
// until the server ends the connection. One thread and one edge-triggered epoll, plain system
// calls, one registration per connection and buffers reused from cycle to cycle: the servers
// under test share the machine's two cores with these clients, so what the clients spend beyond
// the kernel's own work is taken from the servers.
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "agent_client.hpp"
#include "config.hpp"
#include "histogram.hpp"

namespace mi::bench {

class CyclingAgents {
 public:
  // `agents` are the pool (targets, source addresses, tokens); they must outlive this object.
  CyclingAgents(const std::vector<std::unique_ptr<Agent>>& agents, const Config& config);
  ~CyclingAgents();
  CyclingAgents(const CyclingAgents&) = delete;
  CyclingAgents& operator=(const CyclingAgents&) = delete;

  // Starts cycles at `rate` per second for `seconds`, then waits for the cycles in flight to end
  // (those not ended within hold + 10 s count as failures). Blocks; call it on its own thread.
  void run(double rate, double hold_ms, double seconds);

  // Read from other threads while run() goes on.
  std::atomic<std::uint64_t> cycles{0}, failures{0}, online{0};
  // Read once run() has returned.
  std::uint64_t welcomes = 0, skipped = 0, unfinished = 0;
  Histogram hello_latency;  // hello sent -> welcome received
  std::string last_error;

 private:
  struct Cycle;
  void launch(Agent& agent);
  void on_ready(Cycle& c, std::uint32_t events);
  bool on_bytes(Cycle& c);  // false: the cycle failed and is finished
  void begin_close(Cycle& c);  // sends the close frame
  void fail(Cycle& c, const std::string& why);
  void finish(Cycle& c);

  const std::vector<std::unique_ptr<Agent>>& agents_;
  const Config& config_;
  int epoll_ = -1;
  std::vector<std::unique_ptr<Cycle>> cycles_;  // every one made; reused through free_
  std::vector<Cycle*> free_;
  std::vector<Agent*> idle_;  // agents not in a cycle, oldest first from idle_head_
  std::size_t idle_head_ = 0;
  // Welcomed cycles in the order of their close time (the hold is constant). A cycle that failed
  // meanwhile may be reused: its generation tells the entry is stale.
  struct Hold {
    Cycle* cycle;
    std::uint64_t generation;
    std::int64_t due_ns;
  };
  std::vector<Hold> holding_;
  std::size_t holding_head_ = 0;
  std::size_t in_flight_ = 0;
  std::int64_t hold_ns_ = 0;
  std::unordered_map<const Target*, std::string> upgrade_requests_;
  std::vector<std::string> hello_frames_;  // by Agent::index
  std::string close_frame_;
};

}  // namespace mi::bench
