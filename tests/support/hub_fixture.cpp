#include "tests/support/hub_fixture.hpp"

#include <stdexcept>

#include "protocol/json_writer.hpp"
#include "tests/support/json_pointer.hpp"

namespace mi::test {

HubOptions hub_options(const TestRedis& redis, std::vector<std::string> extra_args, std::string env) {
  HubOptions options;
  options.redis_url = redis.process.url();
  options.env = std::move(env);
  options.extra_args = std::move(extra_args);
  return options;
}

HubFixture::HubFixture(std::vector<std::string> extra_args, std::string env)
    : redis(), hub(hub_options(redis, std::move(extra_args), std::move(env))) {}

HttpReply HubFixture::admin(const std::string& method, const std::string& target, const std::string& body) const {
  return http_request(hub.port(), method, target, body, {{"authorization", "Bearer " + hub.admin_token()}});
}

std::string HubFixture::create_invite(const std::string& colony, const std::string& type,
                                      const std::optional<std::string>& name) const {
  std::string body = "{\"type\":";
  protocol::append_json_string(body, type);
  if (name) {
    body += ",\"name\":";
    protocol::append_json_string(body, *name);
  }
  body += "}";
  auto reply = admin("POST", "/v1/colonies/" + colony + "/invites", body);
  auto code = json_at(reply.body, "/code");
  if (reply.status != 201 || !code) {
    throw std::runtime_error("creating an invite failed: " + std::to_string(reply.status) + " " + reply.body);
  }
  return *code;
}

}  // namespace mi::test
