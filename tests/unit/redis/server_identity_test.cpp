// Whether a new Redis link reached another server than the one before: run_ids in, a verdict out.
#include <catch2/catch.hpp>

#include "hub/redis/server_identity.hpp"

using mi::redis::detail::ServerIdentity;

TEST_CASE("the first link has nothing to restore; the same server again changes nothing", "[server-identity]") {
  ServerIdentity identity;
  CHECK_FALSE(identity.reached("aaa"));
  CHECK_FALSE(identity.reached("aaa"));  // a dropped link back to the same process
}

TEST_CASE("another run_id is another server: a failover or a restart", "[server-identity]") {
  ServerIdentity identity;
  identity.reached("aaa");
  CHECK(identity.reached("bbb"));
  CHECK_FALSE(identity.reached("bbb"));
  CHECK(identity.reached("aaa"));  // failed back to the first primary, which may have missed writes too
}

TEST_CASE("a server that cannot be told counts as another one on every reconnection", "[server-identity]") {
  ServerIdentity identity;
  CHECK_FALSE(identity.reached(""));
  CHECK(identity.reached(""));
  CHECK(identity.reached("aaa"));
  CHECK(identity.reached(""));
}
