#pragma once
// Shares colony snapshot reads among the watchers of one shard. A snapshot of a large colony is
// one of the heaviest scripts; a hundred dashboards opening at once (after a hub restart, say)
// must not send a hundred of them to Redis and time out together.
//
// While a read of a colony is in flight, watchers that arrive wait for the next read, which starts
// when the first returns and serves them all. A shared snapshot is therefore always taken after
// each of its watchers subscribed, which is what the watcher's sequencer relies on. A storm of N
// watchers costs two reads, not N. Not thread-safe: one per shard.
//
// A colony larger than one part (--snapshot-part-agents) is sent in parts (docs/protocol.md
// section 8). The first part carries the watch request's id, so each watcher builds its own; the
// frames of the later parts are built once per read and shared by every watcher it serves.

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include "hub/core/metrics.hpp"
#include "hub/core/outbound_queue.hpp"
#include "hub/store/agent_store.hpp"

namespace mi::hub {

class SnapshotReads {
 public:
  struct Snapshot {
    Outcome<ColonySnapshot> outcome;
    std::size_t part_agents = 0;  // agents per part; the first part is agent_jsons[0, part_agents)
    std::size_t parts = 1;
    std::vector<SharedMessage> later_parts;  // text frames of snapshot_part 2..parts
  };
  using Result = std::shared_ptr<const Snapshot>;

  SnapshotReads(AgentStore& agents, Metrics& metrics, boost::asio::any_io_executor executor, std::size_t part_agents)
      : agents_(agents), metrics_(metrics), executor_(std::move(executor)), part_agents_(part_agents) {}

  boost::asio::awaitable<Result> read(redis::Connection& redis, const std::string& colony);

 private:
  // The watchers waiting for one read share it, and wait on its timer as on a condition: the
  // timer never expires, and is cancelled once the result is in.
  struct Round {
    explicit Round(const boost::asio::any_io_executor& executor)
        : result_ready(executor, boost::asio::steady_timer::time_point::max()) {}
    Result result;
    boost::asio::steady_timer result_ready;
  };
  struct ColonyReads {
    bool reading = false;
    std::shared_ptr<Round> next;  // watchers that came while a read was in flight
  };

  boost::asio::awaitable<Result> read_now(redis::Connection& redis, const std::string& colony);
  // A read of `colony` ended: start the next round, if watchers wait for one.
  void read_done(redis::Connection& redis, const std::string& colony);
  boost::asio::awaitable<void> serve_round(redis::Connection& redis, std::string colony, std::shared_ptr<Round> round);

  AgentStore& agents_;
  Metrics& metrics_;
  boost::asio::any_io_executor executor_;
  std::size_t part_agents_;
  std::unordered_map<std::string, ColonyReads> colonies_;
};

}  // namespace mi::hub
