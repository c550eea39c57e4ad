#pragma once
// A real redis-server and one mi-hub on it, with helpers for the admin API.

#include <optional>
#include <string>
#include <vector>

#include "tests/support/http_client.hpp"
#include "tests/support/hub_process.hpp"
#include "tests/support/test_redis.hpp"

namespace mi::test {

struct HubFixture {
  explicit HubFixture(std::vector<std::string> extra_args = {}, std::string env = "test");

  // Admin API calls with the right token.
  HttpReply admin(const std::string& method, const std::string& target, const std::string& body = "") const;

  // Creates an invite and returns its code (fails the test's REQUIREs by throwing otherwise).
  std::string create_invite(const std::string& colony, const std::string& type = "agent",
                            const std::optional<std::string>& name = std::nullopt) const;

  TestRedis redis;
  HubProcess hub;
};

HubOptions hub_options(const TestRedis& redis, std::vector<std::string> extra_args, std::string env = "test");

}  // namespace mi::test
