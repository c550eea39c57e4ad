#pragma once
// Many agents on one thread for tests: each onboards with its own code, then sends a heartbeat
// every interval until stopped. Asynchronous Beast clients on one io_context.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace mi::test {

class AgentSwarm {
 public:
  AgentSwarm(unsigned short port, std::vector<std::string> codes, std::chrono::milliseconds heartbeat_interval);
  ~AgentSwarm();  // stops
  AgentSwarm(const AgentSwarm&) = delete;
  AgentSwarm& operator=(const AgentSwarm&) = delete;

  // Waits until every agent got its welcome (or the deadline); the number welcomed.
  std::size_t wait_welcomed(std::chrono::milliseconds timeout);
  std::uint64_t heartbeats_sent() const { return heartbeats_sent_.load(); }
  std::size_t failures() const { return failures_.load(); }
  void stop();

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
  std::atomic<std::uint64_t> heartbeats_sent_{0};
  std::atomic<std::size_t> welcomed_{0};
  std::atomic<std::size_t> failures_{0};
  std::thread thread_;
};

}  // namespace mi::test
