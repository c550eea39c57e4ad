// The entries that list a connection among its hub's, "<colony> <connection id>": written when a
// connection is listed, read back by the sweep of lost hubs.

#include <catch2/catch.hpp>

#include <string>

#include "hub/store/agent_store.hpp"

using mi::hub::AgentStore;

namespace {

void check_round_trip(const std::string& colony, const std::string& connection_id) {
  INFO(colony << " / " << connection_id);
  auto entry = AgentStore::hub_connection_entry(colony, connection_id);
  auto parsed = AgentStore::parse_hub_connection_entry(entry);
  REQUIRE(parsed);
  CHECK(parsed->colony == colony);
  CHECK(parsed->connection_id == connection_id);
}

}  // namespace

TEST_CASE("an entry reads back as the colony and connection it was built from", "[agent_store][entry]") {
  CHECK(AgentStore::hub_connection_entry("office-1", "hub-a:4242/0/17") == "office-1 hub-a:4242/0/17");
  check_round_trip("office-1", "hub-a:4242/0/17");
  check_round_trip(std::string(64, 'c'), "h/1/1");
  // A colony id has no space, but a hub id (so a connection id) may: the first space divides.
  check_round_trip("c1", "my hub/0/3");
}

TEST_CASE("an entry without a space names no connection", "[agent_store][entry]") {
  CHECK_FALSE(AgentStore::parse_hub_connection_entry(""));
  CHECK_FALSE(AgentStore::parse_hub_connection_entry("c1"));
  CHECK_FALSE(AgentStore::parse_hub_connection_entry("c1:hub/0/1"));
}

TEST_CASE("an entry is read as written, empty parts too", "[agent_store][entry]") {
  // No hub writes these; agent_disconnect.lua ignores a connection it does not know.
  auto no_connection = AgentStore::parse_hub_connection_entry("c1 ");
  REQUIRE(no_connection);
  CHECK(no_connection->colony == "c1");
  CHECK(no_connection->connection_id.empty());
  auto no_colony = AgentStore::parse_hub_connection_entry(" hub/0/1");
  REQUIRE(no_colony);
  CHECK(no_colony->colony.empty());
  CHECK(no_colony->connection_id == "hub/0/1");
}
