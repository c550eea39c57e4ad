#pragma once
// Before a redemption is answered with `welcome`, its write should be on a replica too, so that a
// failover cannot make the code redeemable again: WAIT for `--redis-min-replicas-ack` replicas.
//
// WAIT counts what the replicas acknowledged of every write made on this connection so far (the
// shard's one link: the redemption included), and holds that link's later commands until it
// returns, so it is bounded well below the command deadline. It does not make the write durable on
// the replica's disk, nor survive a failover to a replica that had not acknowledged it.

#include <chrono>
#include <cstddef>

#include <boost/asio/awaitable.hpp>

#include "hub/redis/connection.hpp"
#include "hub/redis/reply.hpp"

namespace mi::hub {

struct ReplicaAck {
  int wanted = 0;   // 0: nothing was waited for
  int acked = 0;    // replicas that acknowledged in time (meaningful when wanted > 0)
  bool failed = false;  // ROLE or WAIT got no usable answer
  bool short_of_wanted() const { return failed || acked < wanted; }
};

// How many replicas to wait for: `configured` when it is 0 or more; otherwise 1 if the primary that
// answered ROLE with `role` has a replica connected, or if it should have one
// (`replicas_expected`: a primary found through sentinels), else 0.
int replicas_to_wait_for(int configured, const redis::Reply& role, bool replicas_expected);

// ROLE (only when `configured` is negative), then WAIT for up to `timeout`. A primary that should
// have a replica and has none connected falls short at once: there is nothing to wait for, and the
// answer is not protected from a failover (the caller counts and logs it).
boost::asio::awaitable<ReplicaAck> wait_for_replicas(redis::Connection& redis, int configured,
                                                     bool replicas_expected, std::chrono::milliseconds timeout);

}  // namespace mi::hub
