#include "hub/store/replica_ack.hpp"

#include <algorithm>
#include <string>

#include "hub/redis/args.hpp"
#include "hub/redis/sentinel_replies.hpp"

namespace mi::hub {

int replicas_to_wait_for(int configured, const redis::Reply& role, bool replicas_expected) {
  if (configured >= 0) return configured;
  return replicas_expected || redis::connected_replicas(role) > 0 ? 1 : 0;
}

boost::asio::awaitable<ReplicaAck> wait_for_replicas(redis::Connection& redis, int configured,
                                                     bool replicas_expected, std::chrono::milliseconds timeout) {
  ReplicaAck ack;
  if (configured < 0) {
    auto role = co_await redis.exec(redis::args("ROLE"));
    if (role.ec) {
      ack.failed = true;
      co_return ack;
    }
    // A user not allowed ROLE is taken as a primary alone: nothing to wait for.
    ack.wanted = replicas_to_wait_for(configured, role.reply, replicas_expected);
    if (ack.wanted > 0 && redis::connected_replicas(role.reply) == 0 && !role.reply.is_error()) {
      co_return ack;  // short at once: no replica to wait for
    }
  } else {
    ack.wanted = configured;
  }
  if (ack.wanted == 0) co_return ack;
  auto waited = co_await redis.exec(
      redis::args("WAIT", std::to_string(ack.wanted), std::to_string(std::max<long long>(1, timeout.count()))));
  if (waited.ec || !waited.reply.is_integer()) {
    ack.failed = true;
    co_return ack;
  }
  ack.acked = static_cast<int>(waited.reply.integer);
  co_return ack;
}

}  // namespace mi::hub
