// What a hub publishes of its watchers: changes once, removals once, everything on demand.
#include <catch2/catch.hpp>

#include <string>
#include <utility>
#include <vector>

#include "hub/core/watcher_counts.hpp"

using mi::hub::WatcherCounts;
using Changes = std::vector<std::pair<std::string, std::int64_t>>;

TEST_CASE("counts change as watchers come and go, and each change is published once", "[watcher-counts]") {
  WatcherCounts counts;
  counts.add("c1");
  counts.add("c1");
  counts.add("c2");
  CHECK(counts.count("c1") == 2);
  CHECK(counts.take_changes(false) == Changes{{"c1", 2}, {"c2", 1}});
  CHECK(counts.take_changes(false).empty());

  counts.remove("c1");
  CHECK(counts.take_changes(false) == Changes{{"c1", 1}});
}

TEST_CASE("a colony whose last watcher left is published as 0 once, then forgotten", "[watcher-counts]") {
  WatcherCounts counts;
  counts.add("c1");
  REQUIRE(counts.take_changes(false) == Changes{{"c1", 1}});
  counts.remove("c1");
  CHECK(counts.take_changes(false) == Changes{{"c1", 0}});
  CHECK(counts.take_changes(false).empty());
  CHECK(counts.take_changes(true).empty());
  CHECK(counts.count("c1") == 0);
}

TEST_CASE("a watcher that came and went between two rounds publishes nothing", "[watcher-counts]") {
  WatcherCounts counts;
  counts.add("c1");
  counts.remove("c1");
  CHECK(counts.take_changes(false).empty());
}

TEST_CASE("everything is every colony with watchers, changed or not", "[watcher-counts]") {
  WatcherCounts counts;
  counts.add("c1");
  counts.add("c2");
  REQUIRE(counts.take_changes(false).size() == 2);
  counts.remove("c2");
  CHECK(counts.take_changes(true) == Changes{{"c1", 1}});
  CHECK(counts.take_changes(false).empty());
}

TEST_CASE("a removal never goes below zero", "[watcher-counts]") {
  WatcherCounts counts;
  counts.remove("c1");
  counts.add("c1");
  counts.remove("c1");
  counts.remove("c1");
  CHECK(counts.count("c1") == 0);
}
