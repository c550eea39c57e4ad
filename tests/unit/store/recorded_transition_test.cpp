// Presence transitions as prelude.lua records them, read back by the history endpoint.
#include <catch2/catch.hpp>

#include "hub/store/colony_reads.hpp"

using mi::hub::parse_recorded_transition;

TEST_CASE("the recorded forms read back as transitions", "[colony-reads]") {
  auto join = parse_recorded_transition("1733570000000 online join");
  REQUIRE(join);
  CHECK(join->ts == 1733570000000);
  CHECK(join->online);
  CHECK(join->reason == "join");

  auto online = parse_recorded_transition("1733570000001 online");
  REQUIRE(online);
  CHECK(online->online);
  CHECK(online->reason.empty());

  auto offline = parse_recorded_transition("1733570000002 offline hub_lost");
  REQUIRE(offline);
  CHECK_FALSE(offline->online);
  CHECK(offline->reason == "hub_lost");
}

TEST_CASE("anything else is refused", "[colony-reads]") {
  CHECK_FALSE(parse_recorded_transition(""));
  CHECK_FALSE(parse_recorded_transition("1733570000000"));
  CHECK_FALSE(parse_recorded_transition("soon online"));
  CHECK_FALSE(parse_recorded_transition("1733570000000 away"));
}
