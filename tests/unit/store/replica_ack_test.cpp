// How many replicas a redemption waits for, from the flag and the primary's ROLE.
#include <catch2/catch.hpp>

#include "hub/store/replica_ack.hpp"

namespace {

mi::redis::Reply role_with(std::size_t replicas) {
  mi::redis::Reply role;
  role.type = mi::redis::Reply::Type::array;
  mi::redis::Reply name;
  name.type = mi::redis::Reply::Type::string;
  name.str = "master";
  mi::redis::Reply offset;
  offset.type = mi::redis::Reply::Type::integer;
  mi::redis::Reply list;
  list.type = mi::redis::Reply::Type::array;
  list.elements.resize(replicas);
  role.elements = {name, offset, list};
  return role;
}

}  // namespace

TEST_CASE("--redis-min-replicas-ack: a number is taken as it is; -1 waits for one replica when there is one",
          "[replica-ack]") {
  CHECK(mi::hub::replicas_to_wait_for(0, role_with(2), false) == 0);
  CHECK(mi::hub::replicas_to_wait_for(2, role_with(0), false) == 2);  // the operator asked: the wait falls short
  CHECK(mi::hub::replicas_to_wait_for(-1, role_with(0), false) == 0);
  CHECK(mi::hub::replicas_to_wait_for(-1, role_with(1), false) == 1);
  CHECK(mi::hub::replicas_to_wait_for(-1, role_with(3), false) == 1);
  mi::redis::Reply refused;
  refused.type = mi::redis::Reply::Type::error;
  refused.str = "NOPERM";
  CHECK(mi::hub::replicas_to_wait_for(-1, refused, false) == 0);  // a user not allowed ROLE
}

TEST_CASE("behind Sentinel a primary should have a replica: with none, -1 still wants one", "[replica-ack]") {
  CHECK(mi::hub::replicas_to_wait_for(-1, role_with(0), true) == 1);
  CHECK(mi::hub::replicas_to_wait_for(-1, role_with(2), true) == 1);
  CHECK(mi::hub::replicas_to_wait_for(0, role_with(0), true) == 0);  // the operator chose none
}

TEST_CASE("a wait falls short when fewer replicas acknowledged, or Redis did not answer", "[replica-ack]") {
  CHECK_FALSE(mi::hub::ReplicaAck{.wanted = 0, .acked = 0}.short_of_wanted());
  CHECK_FALSE(mi::hub::ReplicaAck{.wanted = 1, .acked = 2}.short_of_wanted());
  CHECK(mi::hub::ReplicaAck{.wanted = 2, .acked = 1}.short_of_wanted());
  CHECK(mi::hub::ReplicaAck{.wanted = 1, .acked = 1, .failed = true}.short_of_wanted());
}
