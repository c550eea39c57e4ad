// The chat budgets of agents chatting over HTTP, fed the time of each message: no clock, no sleep.
#include <catch2/catch.hpp>

#include <cstdint>
#include <string>

#include "hub/core/agent_chat_budgets.hpp"

using mi::hub::AgentChatBudgets;

namespace {

// How many messages in a row `agent` may post at `now_ms`, up to `at_most`.
int posts_at(AgentChatBudgets& budgets, const std::string& agent, std::int64_t now_ms, int at_most = 100) {
  int posted = 0;
  while (posted < at_most && budgets.try_take(agent, now_ms)) ++posted;
  return posted;
}

}  // namespace

TEST_CASE("each agent has its own burst, then its rate", "[chat-budgets]") {
  AgentChatBudgets budgets(2, 3);  // a message every 500 ms after 3 at once
  const std::int64_t start = 1'000'000;
  CHECK(posts_at(budgets, "c1/jared", start) == 3);
  CHECK(posts_at(budgets, "c1/ann", start) == 3);
  CHECK(posts_at(budgets, "c2/jared", start) == 3);
  CHECK(posts_at(budgets, "c1/jared", start + 499) == 0);
  CHECK(posts_at(budgets, "c1/jared", start + 500) == 1);
}

TEST_CASE("a budget forgotten once full again allows no more than a kept one would", "[chat-budgets]") {
  AgentChatBudgets budgets(2, 3);  // full again 1.5 s after the last message
  const std::int64_t start = 1'000'000;
  REQUIRE(posts_at(budgets, "c1/jared", start) == 3);
  // Another agent's message sweeps the budgets; jared's, still refilling, is kept.
  CHECK(posts_at(budgets, "c1/ann", start + 1'000, 1) == 1);
  CHECK(posts_at(budgets, "c1/jared", start + 1'000) == 2);
  // Long after, a fresh budget and a refilled one are the same: the burst, and no more.
  CHECK(posts_at(budgets, "c1/ann", start + 60'000, 1) == 1);
  CHECK(posts_at(budgets, "c1/jared", start + 60'000) == 3);
}
