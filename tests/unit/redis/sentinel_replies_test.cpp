// What sentinels and a primary answer, read without a socket.
#include <catch2/catch.hpp>

#include "hub/redis/sentinel_replies.hpp"

namespace redis = mi::redis;

namespace {

redis::Reply text(std::string value, redis::Reply::Type type = redis::Reply::Type::string) {
  redis::Reply reply;
  reply.type = type;
  reply.str = std::move(value);
  return reply;
}

redis::Reply array(std::vector<redis::Reply> elements) {
  redis::Reply reply;
  reply.type = redis::Reply::Type::array;
  reply.elements = std::move(elements);
  return reply;
}

redis::Reply integer(long long value) {
  redis::Reply reply;
  reply.type = redis::Reply::Type::integer;
  reply.integer = value;
  return reply;
}

}  // namespace

TEST_CASE("SENTINEL get-master-addr-by-name: an address, or nothing", "[sentinel]") {
  CHECK(redis::primary_address(array({text("10.0.0.5"), text("6380")})) == redis::HostPort{"10.0.0.5", 6380});
  CHECK_FALSE(redis::primary_address(redis::Reply{}));  // nil: the sentinel does not know the master
  CHECK_FALSE(redis::primary_address(text("IDONTKNOW", redis::Reply::Type::error)));
  CHECK_FALSE(redis::primary_address(array({text("10.0.0.5")})));
  CHECK_FALSE(redis::primary_address(array({text("10.0.0.5"), text("0")})));
  CHECK_FALSE(redis::primary_address(array({text("10.0.0.5"), text("65536")})));
  CHECK_FALSE(redis::primary_address(array({text(""), text("6379")})));
  CHECK_FALSE(redis::primary_address(array({text("h"), integer(6379)})));
}

TEST_CASE("+switch-master: the new primary of our master only", "[sentinel]") {
  CHECK(redis::switched_primary("mymaster 10.0.0.5 6379 10.0.0.6 6380", "mymaster") ==
        redis::HostPort{"10.0.0.6", 6380});
  CHECK_FALSE(redis::switched_primary("other 10.0.0.5 6379 10.0.0.6 6380", "mymaster"));
  CHECK_FALSE(redis::switched_primary("mymaster 10.0.0.5 6379 10.0.0.6", "mymaster"));
  CHECK_FALSE(redis::switched_primary("mymaster 10.0.0.5 6379 10.0.0.6 x", "mymaster"));
  CHECK_FALSE(redis::switched_primary("", "mymaster"));
}

TEST_CASE("ROLE: only a primary may be written to; its replicas are counted", "[sentinel]") {
  const auto primary = array({text("master"), integer(3129659),
                              array({array({text("127.0.0.1"), text("9001"), text("3129242")}),
                                     array({text("127.0.0.1"), text("9002"), text("3129543")})})});
  CHECK_FALSE(redis::not_a_primary(primary));
  CHECK(redis::connected_replicas(primary) == 2);
  const auto alone = array({text("master"), integer(0), array({})});
  CHECK(redis::connected_replicas(alone) == 0);

  const auto replica = array({text("slave"), text("127.0.0.1"), integer(9000), text("connected"), integer(3167038)});
  REQUIRE(redis::not_a_primary(replica));
  CHECK(*redis::not_a_primary(replica) == "it is a replica, not the primary");
  CHECK(redis::connected_replicas(replica) == 0);
  CHECK(redis::not_a_primary(array({text("sentinel"), array({text("mymaster")})})));
  CHECK(redis::not_a_primary(text("NOPERM this user has no permissions to run the 'role' command",
                                  redis::Reply::Type::error)));
  CHECK(redis::not_a_primary(array({})));
}
