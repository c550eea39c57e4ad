#include "tests/support/test_sentinels.hpp"

#include <stdexcept>

#include "tests/support/eventually.hpp"

namespace mi::test {
namespace {

using namespace std::chrono_literals;

std::string port_text(const TestRedis& server) { return std::to_string(server.endpoint().port); }

bool says(const redis::Reply& info, std::string_view line) { return info.str.find(line) != std::string::npos; }

redis::Reply quietly(const redis::Endpoint& where, const std::vector<std::string>& args) {
  try {
    return blocking_command(where, args);
  } catch (const std::runtime_error&) {
    return {};  // not up (yet): the caller polls
  }
}

}  // namespace

SentinelTopology::SentinelTopology(std::string password)
    : second(TestRedis::Persistence::none, {"replicaof 127.0.0.1 " + port_text(first)}),
      password_(std::move(password)),
      dir_("mi-sentinels") {
  if (!eventually([&] { return says(second.command({"INFO", "replication"}), "master_link_status:up"); }, 10s)) {
    throw std::runtime_error("SentinelTopology: the replica did not sync");
  }
  if (!password_.empty()) {
    // masterauth first everywhere (either may become the replica), then the password itself.
    for (auto* server : {&first, &second}) server->command({"CONFIG", "SET", "masterauth", password_});
    for (auto* server : {&first, &second}) server->command({"CONFIG", "SET", "requirepass", password_});
  }
  for (int index = 0; index < 3; ++index) {
    redis::RedisProcessOptions options;
    options.data_dir = dir_.path() / ("sentinel-" + std::to_string(index));
    options.use_unix_socket = false;
    options.persistence = false;
    options.redis_server = "redis-sentinel";
    options.stop_timeout = 3000ms;
    options.extra_config = {
        std::string("sentinel monitor ") + master_name + " 127.0.0.1 " + port_text(first) + " 2",
        std::string("sentinel down-after-milliseconds ") + master_name + " 1000",
        std::string("sentinel failover-timeout ") + master_name + " 10000",
        std::string("sentinel parallel-syncs ") + master_name + " 1",
    };
    if (!password_.empty()) {
      options.extra_config.push_back(std::string("sentinel auth-pass ") + master_name + " " + password_);
    }
    sentinels_.push_back(std::make_unique<redis::RedisProcess>(options));
  }
  // Each sentinel finds the replica in the primary's INFO and the others through hello messages
  // (every 2 s); a failover needs both.
  for (std::size_t index = 0; index < sentinels_.size(); ++index) {
    const bool ready = eventually(
        [&] {
          const auto replicas = quietly(sentinels_[index]->endpoint(), {"SENTINEL", "replicas", master_name});
          const auto others = quietly(sentinels_[index]->endpoint(), {"SENTINEL", "sentinels", master_name});
          return replicas.is_array() && replicas.elements.size() == 1 && others.is_array() &&
                 others.elements.size() == 2;
        },
        20s);
    if (!ready) throw std::runtime_error("SentinelTopology: sentinel " + std::to_string(index) + " never saw the others");
  }
}

SentinelTopology::~SentinelTopology() {
  for (auto& sentinel : sentinels_) sentinel->stop();
}

std::string SentinelTopology::url() const {
  std::string text = "sentinel://";
  for (std::size_t index = 0; index < sentinels_.size(); ++index) {
    text += (index ? "," : "") + std::string("127.0.0.1:") + std::to_string(sentinels_[index]->endpoint().port);
  }
  return text + "/" + master_name;
}

redis::Reply SentinelTopology::sentinel_command(const std::vector<std::string>& args, std::size_t index) {
  return blocking_command(sentinels_.at(index)->endpoint(), args);
}

redis::HostPort SentinelTopology::primary_address() {
  const auto reply = sentinel_command({"SENTINEL", "get-master-addr-by-name", master_name});
  if (!reply.is_array() || reply.elements.size() != 2) throw std::runtime_error("SentinelTopology: no primary named");
  return {reply.elements[0].str, static_cast<std::uint16_t>(std::stoi(reply.elements[1].str))};
}

TestRedis& SentinelTopology::server_at(const redis::HostPort& address) {
  return address.port == first.endpoint().port ? first : second;
}

redis::Endpoint SentinelTopology::endpoint_of(const TestRedis& server) const {
  auto endpoint = server.endpoint();
  if (!password_.empty()) endpoint.credentials = redis::Credentials{"", password_};
  return endpoint;
}

redis::Reply SentinelTopology::server_command(const TestRedis& server, const std::vector<std::string>& args) {
  return blocking_command(endpoint_of(server), args);
}

void SentinelTopology::failover(std::chrono::milliseconds timeout) {
  const auto before = primary_address();
  auto& next = before.port == first.endpoint().port ? second : first;
  const auto reply = sentinel_command({"SENTINEL", "FAILOVER", master_name});
  if (reply.is_error()) throw std::runtime_error("SentinelTopology: SENTINEL FAILOVER: " + reply.str);
  const bool done = eventually(
      [&] {
        for (std::size_t index = 0; index < sentinels_.size(); ++index) {
          const auto named = quietly(sentinels_[index]->endpoint(), {"SENTINEL", "get-master-addr-by-name", master_name});
          if (!named.is_array() || named.elements.size() != 2 ||
              named.elements[1].str != std::to_string(next.endpoint().port)) {
            return false;
          }
        }
        const auto role = quietly(endpoint_of(next), {"ROLE"});
        return role.is_array() && !role.elements.empty() && role.elements[0].str == "master";
      },
      timeout);
  if (!done) throw std::runtime_error("SentinelTopology: the failover did not complete");
}

}  // namespace mi::test
