// The connection ends a shard keeps to tell again after a failover: bounded by age and count,
// with the time given.
#include <catch2/catch.hpp>

#include "hub/fanout/recent_ends.hpp"

using mi::hub::RecentEnds;
using mi::hub::RecordedEnd;

namespace {

RecordedEnd end_at(std::string connection, std::int64_t at) { return {"c1", std::move(connection), "closed", 0, at}; }

}  // namespace

TEST_CASE("ends are kept for their time, oldest first, then forgotten", "[recent-ends]") {
  RecentEnds ends(60'000, 100);
  ends.record(end_at("a", 1'000), 1'000);
  ends.record(end_at("b", 30'000), 30'000);
  auto kept = ends.kept(61'000);
  REQUIRE(kept.size() == 2);
  CHECK(kept[0].connection_id == "a");
  CHECK(kept[1].connection_id == "b");
  kept = ends.kept(61'001);  // "a" is older than a minute now
  REQUIRE(kept.size() == 1);
  CHECK(kept[0].connection_id == "b");
  CHECK(ends.kept(90'001).empty());
}

TEST_CASE("past the count, the oldest ends go first", "[recent-ends]") {
  RecentEnds ends(60'000, 2);
  ends.record(end_at("a", 1), 1);
  ends.record(end_at("b", 2), 2);
  ends.record(end_at("c", 3), 3);
  auto kept = ends.kept(3);
  REQUIRE(kept.size() == 2);
  CHECK(kept[0].connection_id == "b");
  CHECK(kept[1].connection_id == "c");
}
