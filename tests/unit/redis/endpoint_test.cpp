// Endpoint URLs and the error category: no server needed.

#include <catch2/catch.hpp>

#include <string>

#include "hub/redis/endpoint.hpp"
#include "hub/redis/errors.hpp"

namespace redis = mi::redis;

TEST_CASE("redis:// URLs", "[redis][endpoint]") {
  auto full = redis::parse_redis_url("redis://10.0.0.7:6380/2");
  REQUIRE(full);
  CHECK(full->kind == redis::Endpoint::Kind::tcp);
  CHECK(full->host == "10.0.0.7");
  CHECK(full->port == 6380);
  CHECK(full->db == 2);
  CHECK(full->describe() == "redis://10.0.0.7:6380/2");

  auto defaults = redis::parse_redis_url("redis://localhost");
  REQUIRE(defaults);
  CHECK(defaults->host == "localhost");
  CHECK(defaults->port == 6379);
  CHECK(defaults->db == 0);
  CHECK(defaults->describe() == "redis://localhost:6379/0");

  auto slash = redis::parse_redis_url("redis://h:1/");
  REQUIRE(slash);
  CHECK(slash->db == 0);

  auto ipv6 = redis::parse_redis_url("redis://[::1]:7000/1");
  REQUIRE(ipv6);
  CHECK(ipv6->host == "::1");
  CHECK(ipv6->port == 7000);
  CHECK(ipv6->describe() == "redis://[::1]:7000/1");
}

TEST_CASE("redis:// URLs with a password, or an ACL user and its password", "[redis][endpoint]") {
  auto password_only = redis::parse_redis_url("redis://:s3cret@10.0.0.7:6380/2");
  REQUIRE(password_only);
  REQUIRE(password_only->credentials);
  CHECK(password_only->credentials->user.empty());
  CHECK(password_only->credentials->password == "s3cret");
  CHECK(password_only->host == "10.0.0.7");
  CHECK(password_only->port == 6380);
  CHECK(password_only->db == 2);
  CHECK(password_only->describe() == "redis://:***@10.0.0.7:6380/2");

  // Percent-encoded, a password may hold what would end it: '@', ':' and '/'.
  auto acl_user = redis::parse_redis_url("redis://mi-hub:p%40ss%3Aw%2Frd@[::1]:7000");
  REQUIRE(acl_user);
  REQUIRE(acl_user->credentials);
  CHECK(acl_user->credentials->user == "mi-hub");
  CHECK(acl_user->credentials->password == "p@ss:w/rd");
  CHECK(acl_user->host == "::1");
  CHECK(acl_user->describe() == "redis://mi-hub:***@[::1]:7000/0");

  CHECK_FALSE(redis::parse_redis_url("redis://h:1")->credentials);
}

TEST_CASE("a URL in an error message has no password, whether it parses or not", "[redis][endpoint]") {
  CHECK(redis::redact_url("redis://u:pw@h:1/0") == "redis://***@h:1/0");
  CHECK(redis::redact_url("redis://:pw@h") == "redis://***@h");
  CHECK(redis::redact_url("redis://u:p@w@h:1") == "redis://***@h:1");  // unencoded '@' in the password
  CHECK(redis::redact_url("sentinel://pw@h1:26379,h2:26379/mymaster") == "sentinel://***@h1:26379,h2:26379/mymaster");
  CHECK(redis::redact_url("redis://h:1/0") == "redis://h:1/0");
  CHECK(redis::redact_url("redis://h:1/a@b") == "redis://h:1/a@b");  // after the authority: no user info
  CHECK(redis::redact_url("u:pw@h:1") == "***@h:1");                  // no scheme
  CHECK(redis::redact_url("embedded") == "embedded");
}

TEST_CASE("unix:// URLs", "[redis][endpoint]") {
  auto plain = redis::parse_redis_url("unix:///run/mi/redis.sock");
  REQUIRE(plain);
  CHECK(plain->kind == redis::Endpoint::Kind::unix_socket);
  CHECK(plain->path == "/run/mi/redis.sock");
  CHECK(plain->db == 0);
  CHECK(plain->describe() == "unix:///run/mi/redis.sock?db=0");

  auto with_db = redis::parse_redis_url("unix:///tmp/r.sock?db=3");
  REQUIRE(with_db);
  CHECK(with_db->db == 3);
  CHECK(with_db->describe() == "unix:///tmp/r.sock?db=3");
}

TEST_CASE("sentinel:// URLs name the sentinels and the master", "[redis][endpoint][sentinel]") {
  auto three = redis::parse_redis_url("sentinel://10.0.0.1:26379,[::1]:26380,s3:5000/mymaster?db=2");
  REQUIRE(three);
  CHECK(three->kind == redis::Endpoint::Kind::sentinel);
  REQUIRE(three->sentinels.size() == 3);
  CHECK(three->sentinels[0] == redis::HostPort{"10.0.0.1", 26379});
  CHECK(three->sentinels[1] == redis::HostPort{"::1", 26380});
  CHECK(three->sentinels[2] == redis::HostPort{"s3", 5000});
  CHECK(three->master_name == "mymaster");
  CHECK(three->db == 2);
  CHECK_FALSE(three->credentials);
  CHECK(three->describe() == "sentinel://10.0.0.1:26379,[::1]:26380,s3:5000/mymaster?db=2");

  auto password = redis::parse_redis_url("sentinel://p%40ss@h:1/m");
  REQUIRE(password);
  REQUIRE(password->credentials);
  CHECK(password->credentials->user.empty());
  CHECK(password->credentials->password == "p@ss");
  CHECK(password->db == 0);
  CHECK(password->describe() == "sentinel://***@h:1/m?db=0");

  auto acl_user = redis::parse_redis_url("sentinel://mi-hub:pw@h:1/m");
  REQUIRE(acl_user);
  CHECK(acl_user->credentials->user == "mi-hub");
  CHECK(acl_user->describe().find("pw") == std::string::npos);

  // Where a link connects once the sentinels have answered: the same credentials and db.
  auto located = password->at({"10.1.1.1", 6390});
  CHECK(located.kind == redis::Endpoint::Kind::tcp);
  CHECK(located.host == "10.1.1.1");
  CHECK(located.port == 6390);
  CHECK(located.credentials->password == "p@ss");
}

TEST_CASE("anything else is refused", "[redis][endpoint]") {
  for (const char* url :
       {"", "localhost:6379", "http://h:1", "redis://", "redis://:6379", "redis://h:", "redis://h:0",
        "redis://h:65536", "redis://h:12a", "redis://h:-1", "redis://h/x", "redis://h/1/2", "redis://u@h", "redis://u:@h", "redis://:@h", "redis://:p%4@h", "redis://:p%zz@h",
        "redis://[::1", "redis://[::1]x", "redis://h h", "unix://", "unix://relative.sock", "unix:///",
        "unix:///tmp/s?x=1", "unix:///tmp/s?db=", "unix:///tmp/s?db=-1", "rediss://h:1",
        "sentinel://h:1", "sentinel://h:1/", "sentinel://h/m", "sentinel://h:1,/m", "sentinel://,h:1/m",
        "sentinel://h:1,h2/m", "sentinel://h:0/m", "sentinel://@h:1/m", "sentinel://h:1/m?db=x",
        "sentinel://h:1/m?x=1", "sentinel://h:1/a/b", "redis://h,h2:1"}) {
    INFO("url: " << url);
    CHECK_FALSE(redis::parse_redis_url(url));
  }
}

TEST_CASE("describe() round-trips through parse_redis_url()", "[redis][endpoint]") {
  for (const char* url : {"redis://127.0.0.1:6379/0", "redis://[fe80::1]:1/15", "unix:///a/b?db=9"}) {
    auto endpoint = redis::parse_redis_url(url);
    REQUIRE(endpoint);
    CHECK(endpoint->describe() == url);
  }
}

TEST_CASE("redis error codes say what happened", "[redis][errors]") {
  const std::error_code timed_out = redis::Errc::timed_out;
  CHECK(timed_out.category().name() == std::string("mi.redis"));
  CHECK(timed_out.message().find("deadline") != std::string::npos);
  CHECK(timed_out == redis::Errc::timed_out);
  CHECK(timed_out != redis::Errc::connection_lost);
  for (int e = 1; e <= 6; ++e) {
    const auto message = redis::make_error_code(static_cast<redis::Errc>(e)).message();
    INFO(e);
    CHECK(message.find("unknown") == std::string::npos);
  }
  CHECK(redis::make_error_code(redis::Errc::unknown_script).message().find("script") != std::string::npos);
}
