// The fan-out's order: every receiver once per pass, from a start that moves on each time.
#include <catch2/catch.hpp>

#include <vector>

#include "hub/core/rotating_order.hpp"

using mi::hub::visit_rotating;

namespace {

std::vector<int> one_pass(std::vector<int>& items, std::size_t& start) {
  std::vector<int> seen;
  visit_rotating(std::span<int>(items), start, [&](int item) { seen.push_back(item); });
  return seen;
}

}  // namespace

TEST_CASE("each pass visits every item once, starting one further than the pass before") {
  std::vector<int> items{10, 11, 12, 13};
  std::size_t start = 0;
  CHECK(one_pass(items, start) == std::vector<int>{10, 11, 12, 13});
  CHECK(one_pass(items, start) == std::vector<int>{11, 12, 13, 10});
  CHECK(one_pass(items, start) == std::vector<int>{12, 13, 10, 11});
  CHECK(one_pass(items, start) == std::vector<int>{13, 10, 11, 12});
  CHECK(one_pass(items, start) == std::vector<int>{10, 11, 12, 13});
}

TEST_CASE("over as many passes as items, every item is first once and last once") {
  std::vector<int> items{0, 1, 2, 3, 4, 5, 6};
  std::size_t start = 0;
  std::vector<int> first_count(items.size()), last_count(items.size());
  for (std::size_t pass = 0; pass < items.size(); ++pass) {
    auto seen = one_pass(items, start);
    REQUIRE(seen.size() == items.size());
    ++first_count[seen.front()];
    ++last_count[seen.back()];
  }
  CHECK(first_count == std::vector<int>(items.size(), 1));
  CHECK(last_count == std::vector<int>(items.size(), 1));
}

TEST_CASE("a start beyond a list that shrank wraps around, and an empty list is left alone") {
  std::vector<int> items{1, 2, 3};
  std::size_t start = 7;  // the list had more items when it was set
  CHECK(one_pass(items, start) == std::vector<int>{2, 3, 1});
  CHECK(start == 2);
  std::vector<int> none;
  std::size_t kept = 5;
  CHECK(one_pass(none, kept).empty());
  CHECK(kept == 5);
}
