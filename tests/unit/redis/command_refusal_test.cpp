// Commands a command connection refuses before they reach Redis, because their replies would no
// longer match the commands in order.
#include <catch2/catch.hpp>

#include <string>

#include "hub/redis/command_client.hpp"

namespace redis = mi::redis;

TEST_CASE("pub/sub commands are refused on a command connection, any case", "[refusal]") {
  using redis::detail::refusal;
  for (const std::string command : {"SUBSCRIBE", "subscribe", "PSubscribe", "ssubscribe", "UNSUBSCRIBE",
                                    "punsubscribe", "SUNSUBSCRIBE", "monitor"}) {
    INFO(command);
    const auto refused = refusal({command, "channel"});
    REQUIRE(refused);
    CHECK(refused->is_error());
    CHECK(refused->str == "ERR " + command + " is not available on a command connection; use Subscriber");
  }

  const auto empty = refusal({});
  REQUIRE(empty);
  CHECK(empty->str == "ERR empty command");

  // Anything else goes to Redis, even a name that only starts like one of them.
  CHECK_FALSE(refusal({"GET", "subscribe"}));
  CHECK_FALSE(refusal({"PUBLISH", "channel", "message"}));
  CHECK_FALSE(refusal({"subscriber"}));
  CHECK_FALSE(refusal({"PUBSUB", "NUMSUB", "channel"}));
}
