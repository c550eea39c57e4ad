// The per-address connection count: the limit, slots given back by release, destruction and
// move, the table keeping no empty entries, and two threads sharing it.
#include <catch2/catch.hpp>

#include <algorithm>
#include <functional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "hub/core/connections_per_address.hpp"

using mi::hub::ConnectionsPerAddress;
using Slot = ConnectionsPerAddress::Slot;

TEST_CASE("an address gets up to the limit of slots, others are counted apart", "[connections-per-address]") {
  ConnectionsPerAddress table(2);
  CHECK(table.limit() == 2);
  Slot first = table.try_acquire("192.0.2.1");
  Slot second = table.try_acquire("192.0.2.1");
  CHECK(first.held());
  CHECK(second.held());
  Slot third = table.try_acquire("192.0.2.1");
  CHECK_FALSE(third.held());
  CHECK(table.count("192.0.2.1") == 2);

  Slot other = table.try_acquire("2001:db8::1");
  CHECK(other.held());
  CHECK(table.count("2001:db8::1") == 1);
  CHECK(table.addresses() == 2);
  CHECK(table.count("198.51.100.1") == 0);
}

TEST_CASE("a slot given back makes room for another", "[connections-per-address]") {
  ConnectionsPerAddress table(1);
  Slot slot = table.try_acquire("192.0.2.1");
  REQUIRE(slot.held());
  CHECK_FALSE(table.try_acquire("192.0.2.1").held());
  slot.release();
  CHECK_FALSE(slot.held());
  CHECK(table.count("192.0.2.1") == 0);
  slot.release();  // twice is once
  CHECK(table.try_acquire("192.0.2.1").held());
}

TEST_CASE("a slot is given back when destroyed, and the table forgets the address", "[connections-per-address]") {
  ConnectionsPerAddress table(3);
  {
    Slot a = table.try_acquire("192.0.2.1");
    Slot b = table.try_acquire("192.0.2.1");
    Slot c = table.try_acquire("192.0.2.2");
    CHECK(table.addresses() == 2);
    CHECK(table.count("192.0.2.1") == 2);
  }
  CHECK(table.count("192.0.2.1") == 0);
  CHECK(table.count("192.0.2.2") == 0);
  CHECK(table.addresses() == 0);
}

TEST_CASE("a refused slot counts nothing and adds no address", "[connections-per-address]") {
  ConnectionsPerAddress table(1);
  Slot held = table.try_acquire("192.0.2.1");
  {
    Slot refused = table.try_acquire("192.0.2.1");
    CHECK_FALSE(refused.held());
  }
  CHECK(table.count("192.0.2.1") == 1);
  CHECK(table.addresses() == 1);
}

TEST_CASE("a moved slot is held by its new owner only", "[connections-per-address]") {
  ConnectionsPerAddress table(1);
  Slot slot = table.try_acquire("192.0.2.1");
  Slot moved(std::move(slot));
  CHECK_FALSE(slot.held());
  CHECK(moved.held());
  CHECK(table.count("192.0.2.1") == 1);

  // Assigning over a held slot gives back the one it held.
  Slot other = table.try_acquire("192.0.2.2");
  other = std::move(moved);
  CHECK(table.count("192.0.2.2") == 0);
  CHECK(table.count("192.0.2.1") == 1);
  CHECK(table.addresses() == 1);

  // Slots in a vector that grows are moved, not given back.
  std::vector<Slot> slots;
  slots.push_back(std::move(other));
  for (int i = 0; i < 20; ++i) slots.push_back(table.try_acquire("198.51.100." + std::to_string(i)));
  CHECK(table.addresses() == 21);
  CHECK(table.count("192.0.2.1") == 1);
  slots.clear();
  CHECK(table.addresses() == 0);
}

TEST_CASE("no limit counts every slot and refuses none", "[connections-per-address]") {
  ConnectionsPerAddress table(0);
  std::vector<Slot> slots;
  for (int i = 0; i < 1000; ++i) {
    slots.push_back(table.try_acquire("192.0.2.1"));
    REQUIRE(slots.back().held());
  }
  CHECK(table.count("192.0.2.1") == 1000);
  slots.resize(10);
  CHECK(table.count("192.0.2.1") == 10);
}

TEST_CASE("a default slot is not held and gives back nothing", "[connections-per-address]") {
  Slot slot;
  CHECK_FALSE(slot.held());
  slot.release();
  Slot moved(std::move(slot));
  CHECK_FALSE(moved.held());
}

TEST_CASE("two threads taking and giving back slots end at zero", "[connections-per-address]") {
  ConnectionsPerAddress table(3);
  constexpr int kRounds = 20000;
  // Both threads share one address, which hits the limit, and each also has its own. Catch's
  // assertions are not thread-safe: each thread notes the most it saw, checked after the join.
  auto shard = [&](std::string own, std::size_t& most_shared) {
    std::vector<Slot> held;
    for (int round = 0; round < kRounds; ++round) {
      Slot shared = table.try_acquire("192.0.2.1");
      if (shared.held()) held.push_back(std::move(shared));
      held.push_back(table.try_acquire(own));
      // Hold up to four, then let the oldest go.
      if (held.size() > 4) held.erase(held.begin());
      most_shared = std::max(most_shared, table.count("192.0.2.1"));
    }
  };
  std::size_t most_first = 0, most_second = 0;
  std::thread first(shard, "198.51.100.1", std::ref(most_first));
  std::thread second(shard, "2001:db8::1", std::ref(most_second));
  first.join();
  second.join();
  CHECK(most_first <= 3);
  CHECK(most_second <= 3);
  // The limit was reached: the threads did contend for the shared address.
  CHECK(std::max(most_first, most_second) == 3);
  CHECK(table.count("192.0.2.1") == 0);
  CHECK(table.count("198.51.100.1") == 0);
  CHECK(table.count("2001:db8::1") == 0);
  CHECK(table.addresses() == 0);
}
