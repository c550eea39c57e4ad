#include "hub/fanout/snapshot_reads.hpp"

#include <algorithm>
#include <span>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include "hub/core/no_throw.hpp"
#include "protocol/server_message.hpp"
#include "protocol/websocket_frame.hpp"

namespace mi::hub {

namespace asio = boost::asio;

asio::awaitable<SnapshotReads::Result> SnapshotReads::read(redis::Connection& redis, const std::string& colony) {
  auto& state = colonies_[colony];
  if (!state.reading) {
    state.reading = true;
    auto result = co_await read_now(redis, colony);
    read_done(redis, colony);
    co_return result;
  }
  if (!state.next) state.next = std::make_shared<Round>(executor_);
  auto round = state.next;
  while (!round->result) co_await round->result_ready.async_wait(kNoThrow);
  co_return round->result;
}

asio::awaitable<SnapshotReads::Result> SnapshotReads::read_now(redis::Connection& redis, const std::string& colony) {
  auto snapshot = std::make_shared<Snapshot>();
  snapshot->outcome = co_await agents_.snapshot(redis, colony);
  snapshot->part_agents = part_agents_;
  if (const auto* state = std::get_if<ColonySnapshot>(&snapshot->outcome)) {
    count_colony_read(metrics_, *state);
    const std::span<const std::string> agents(state->agent_jsons);
    snapshot->parts = std::max<std::size_t>(1, (agents.size() + part_agents_ - 1) / part_agents_);
    for (std::size_t part = 2; part <= snapshot->parts; ++part) {
      auto first = (part - 1) * part_agents_;
      auto json = protocol::serialize_snapshot_part(colony, state->seq, part,
                                                    agents.subspan(first, std::min(part_agents_, agents.size() - first)));
      snapshot->later_parts.push_back(std::make_shared<const std::string>(protocol::websocket::encode_text_frame(json)));
    }
  }
  co_return snapshot;
}

void SnapshotReads::read_done(redis::Connection& redis, const std::string& colony) {
  auto found = colonies_.find(colony);
  if (found == colonies_.end()) return;
  auto round = std::move(found->second.next);
  if (!round) {
    colonies_.erase(found);
    return;
  }
  asio::co_spawn(executor_, serve_round(redis, colony, std::move(round)), asio::detached);
}

asio::awaitable<void> SnapshotReads::serve_round(redis::Connection& redis, std::string colony,
                                                 std::shared_ptr<Round> round) {
  round->result = co_await read_now(redis, colony);
  round->result_ready.cancel();
  read_done(redis, colony);
}

}  // namespace mi::hub
