#pragma once
// The chat budget of each agent that chats over HTTP (POST /v1/agents/chat), on this hub: the
// same --chat-per-second and --chat-burst as a WebSocket, whose budget lives in its session. An
// HTTP call has no session to keep it in, and lands on any shard, so the budgets are kept here,
// under a lock. I/O free: the caller passes the time of each message.

#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

#include "hub/core/token_bucket.hpp"

namespace mi::hub {

class AgentChatBudgets {
 public:
  AgentChatBudgets(double per_second, double burst) : per_second_(per_second), burst_(burst) {}

  // True (and one message counted) when `agent` (e.g. "c1/jared") may post at `now_ms`.
  bool try_take(const std::string& agent, std::int64_t now_ms) {
    std::lock_guard lock(mutex_);
    forget_full_budgets(now_ms);
    auto& entry = budgets_.try_emplace(agent, Entry{TokenBucket(per_second_, burst_), now_ms}).first->second;
    entry.last_ms = now_ms;
    return entry.bucket.try_take(now_ms);
  }

 private:
  struct Entry {
    TokenBucket bucket;
    std::int64_t last_ms;
  };

  // A budget unused for as long as a whole burst takes to refill is full again, the same as a new
  // one: it is dropped, so that agents that chatted once are not kept for ever. Checked once per
  // refill time, so that the walk costs nothing per message.
  void forget_full_budgets(std::int64_t now_ms) {
    const auto refill_ms = static_cast<std::int64_t>(burst_ / per_second_ * 1000.0) + 1;
    if (now_ms - last_sweep_ms_ < refill_ms) return;
    last_sweep_ms_ = now_ms;
    std::erase_if(budgets_, [&](const auto& entry) { return now_ms - entry.second.last_ms >= refill_ms; });
  }

  const double per_second_;
  const double burst_;
  std::mutex mutex_;
  std::unordered_map<std::string, Entry> budgets_;
  std::int64_t last_sweep_ms_ = 0;
};

}  // namespace mi::hub
