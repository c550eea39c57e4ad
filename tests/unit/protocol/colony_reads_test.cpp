// The bodies of the colony reads (docs/protocol.md section 7).
#include <catch2/catch.hpp>

#include "protocol/colony_reads.hpp"

using namespace mi::protocol;

TEST_CASE("an agent's history: transitions newest first, a null reason, uptime fractions", "[colony-reads]") {
  const std::vector<PresenceTransition> transitions{{2000, false, "closed"}, {1500, true, ""}, {1000, true, "join"}};
  CHECK(serialize_agent_history(R"({"id":"jared"})", transitions, {1.0, 0.5, 1.0 / 3.0}) ==
        R"({"agent":{"id":"jared"},"transitions":[{"status":"offline","ts":2000,"reason":"closed"},)"
        R"({"status":"online","ts":1500,"reason":null},{"status":"online","ts":1000,"reason":"join"}],)"
        R"("uptime":{"1h":1.0,"24h":0.5,"7d":0.3333}})");
  CHECK(serialize_agent_history("{}", {}, {0, 0, 0}) ==
        R"({"agent":{},"transitions":[],"uptime":{"1h":0.0,"24h":0.0,"7d":0.0}})");
}

TEST_CASE("a colony's counts and its chat history", "[colony-reads]") {
  CHECK(serialize_colony_stats("c1", {5, 2, 4, 1, 3}) ==
        R"({"colony":"c1","agents":5,"online":2,"remote":4,"hosted":1,"watchers":3})");
  CHECK(serialize_chat_history("c1", {R"({"seq":9})", R"({"seq":7})"}) ==
        R"({"colony":"c1","messages":[{"seq":9},{"seq":7}]})");
  CHECK(serialize_chat_history("c1", {}) == R"({"colony":"c1","messages":[]})");
}
