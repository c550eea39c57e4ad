// The commands that make a new Redis link usable, and what their replies decide.
#include <catch2/catch.hpp>

#include "hub/redis/link_setup.hpp"

namespace redis = mi::redis;
using redis::detail::LinkSetup;

namespace {

redis::Reply reply(redis::Reply::Type type, std::string text) {
  redis::Reply made;
  made.type = type;
  made.str = std::move(text);
  return made;
}
redis::Reply status(std::string text) { return reply(redis::Reply::Type::status, std::move(text)); }
redis::Reply error(std::string text) { return reply(redis::Reply::Type::error, std::move(text)); }

}  // namespace

TEST_CASE("a link to db 0 with no credentials needs no setup", "[link-setup]") {
  CHECK(LinkSetup(*redis::parse_redis_url("redis://h:1"), true).empty());
  CHECK(LinkSetup(*redis::parse_redis_url("redis://h:1/0"), true).empty());
}

TEST_CASE("AUTH comes first, then SELECT; a pub/sub link selects nothing", "[link-setup]") {
  auto endpoint = *redis::parse_redis_url("redis://mi-hub:s3cret@h:1/4");
  LinkSetup commands_link(endpoint, true);
  using Commands = std::vector<std::vector<std::string>>;
  CHECK(commands_link.commands() == Commands{{"AUTH", "mi-hub", "s3cret"}, {"SELECT", "4"}});
  LinkSetup pubsub_link(endpoint, false);
  CHECK(pubsub_link.commands() == Commands{{"AUTH", "mi-hub", "s3cret"}});
  // The default user: AUTH with the password alone, as Redis before 6 takes it.
  CHECK(LinkSetup(*redis::parse_redis_url("redis://:s3cret@h:1"), true).commands() == Commands{{"AUTH", "s3cret"}});
}

TEST_CASE("a refused step names the step and quotes Redis, never the password", "[link-setup]") {
  LinkSetup setup(*redis::parse_redis_url("redis://mi-hub:s3cret@h:1/99"), true);
  CHECK_FALSE(setup.refusal(0, status("OK")));
  CHECK_FALSE(setup.refusal(1, status("OK")));
  auto wrong_password = setup.refusal(0, error("WRONGPASS invalid username-password pair or user is disabled."));
  REQUIRE(wrong_password);
  CHECK(*wrong_password ==
        "Redis refused AUTH as user mi-hub: WRONGPASS invalid username-password pair or user is disabled.");
  auto bad_db = setup.refusal(1, error("ERR DB index is out of range"));
  REQUIRE(bad_db);
  CHECK(*bad_db == "Redis refused SELECT 99: ERR DB index is out of range");
  CHECK(wrong_password->find("s3cret") == std::string::npos);
  CHECK(setup.refusal(2, status("OK")));  // more replies than commands: refused, not read past the end

  LinkSetup default_user(*redis::parse_redis_url("redis://:s3cret@h:1"), true);
  auto refused = default_user.refusal(0, error("ERR AUTH <password> called without any password configured"));
  REQUIRE(refused);
  CHECK(refused->find("s3cret") == std::string::npos);
}

TEST_CASE("through sentinels, ROLE comes last and a replica is refused", "[link-setup][sentinel]") {
  using Commands = std::vector<std::vector<std::string>>;
  LinkSetup setup(*redis::parse_redis_url("sentinel://s3cret@h:1/mymaster?db=2"), true);
  CHECK(setup.commands() == Commands{{"AUTH", "s3cret"}, {"SELECT", "2"}, {"ROLE"}});
  redis::Reply replica;
  replica.type = redis::Reply::Type::array;
  replica.elements = {status("slave")};
  REQUIRE(setup.refusal(2, replica));
  CHECK(setup.refusal(2, replica)->find("replica") != std::string::npos);
  redis::Reply primary = replica;
  primary.elements = {status("master")};
  CHECK_FALSE(setup.refusal(2, primary));
  // A pub/sub link selects no db but checks the role too.
  CHECK(LinkSetup(*redis::parse_redis_url("sentinel://h:1/m?db=2"), false).commands() == Commands{{"ROLE"}});
}

TEST_CASE("a command link asks INFO server last; its refusal leaves the server unknown", "[link-setup]") {
  using Commands = std::vector<std::vector<std::string>>;
  LinkSetup setup(*redis::parse_redis_url("redis://:s3cret@h:1/2"), true, /*identify_server=*/true);
  CHECK(setup.commands() == Commands{{"AUTH", "s3cret"}, {"SELECT", "2"}, {"INFO", "server"}});
  CHECK(setup.is_identity_step(2));
  CHECK_FALSE(setup.is_identity_step(1));
  // An ACL user not allowed INFO still gets a usable link.
  auto denied = error("NOPERM this user has no permissions to run the 'info' command");
  CHECK_FALSE(setup.refusal(2, denied));
  CHECK(redis::detail::run_id_of(denied).empty());
  // A pub/sub link does not ask.
  CHECK(LinkSetup(*redis::parse_redis_url("redis://h:1"), false, false).empty());
}

TEST_CASE("the run_id is read from INFO server's lines", "[link-setup]") {
  auto info = reply(redis::Reply::Type::string,
                    "# Server\r\nredis_version:7.0.15\r\nredis_mode:standalone\r\n"
                    "run_id:5b1d9e0c0a4c4b3e9f0f6c1e2d3a4b5c6d7e8f90\r\ntcp_port:6379\r\n");
  CHECK(redis::detail::run_id_of(info) == "5b1d9e0c0a4c4b3e9f0f6c1e2d3a4b5c6d7e8f90");
  CHECK(redis::detail::run_id_of(reply(redis::Reply::Type::string, "# Server\r\nredis_version:7.0.15\r\n")).empty());
}
