#pragma once
// One event loop on one thread, with its own Redis connection and the sessions accepted onto it.
// Nothing here is shared between shards, so nothing here needs a lock.

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "hub/core/colony_event.hpp"
#include "hub/fanout/hub_context.hpp"
#include "hub/redis/connection.hpp"
#include "hub/fanout/participant.hpp"
#include "hub/fanout/recent_ends.hpp"
#include "hub/fanout/snapshot_reads.hpp"
#include "protocol/client_message.hpp"

namespace mi::hub {

class EventRouter;

class Shard {
 public:
  // A socket on a shard's loop. Accepted with this type, a connection keeps its registration with
  // the loop and its non-blocking mode from its HTTP requests to its WebSocket session.
  using Socket = boost::asio::basic_stream_socket<boost::asio::ip::tcp, boost::asio::io_context::executor_type>;

  Shard(HubContext& context, unsigned index);
  ~Shard();
  Shard(const Shard&) = delete;
  Shard& operator=(const Shard&) = delete;

  void start();  // runs the event loop on a thread of its own
  void stop();   // stops the loop and joins the thread
  boost::asio::io_context& io() { return io_; }
  unsigned index() const { return index_; }
  HubContext& context() { return context_; }
  redis::Connection& redis() { return *redis_; }
  protocol::ClientMessageParser& parser() { return parser_; }
  // Sessions read their sockets into this one buffer and handle the bytes where they lie: idle
  // sessions then hold no read buffer of their own.
  std::vector<char>& read_buffer() { return read_buffer_; }
  SnapshotReads& snapshots() { return snapshots_; }

  // Sessions register themselves so that deadlines are checked and draining reaches them. The
  // list holds plain pointers (a session leaves it at its end, before it can be destroyed), so
  // that the periodic walks over every session count no references and chase no list nodes.
  void add_session(Participant& session);
  void remove_session(Participant& session);
  std::size_t session_count() const { return sessions_.size(); }

  // Asks every session to close with 1012 (the hub is going away). Runs on the shard's thread.
  void close_all_sessions_for_drain();

  // A system-wide unique id for a new connection.
  std::string next_connection_id();

  void set_router(EventRouter* router) { router_ = router; }

  // Agents receive their colony's chat, watchers every event of it: two lists, so that an
  // agent's online event is not offered to every other agent of a large colony.
  enum class Membership { agent, watcher };

  // A session receives the colony's events from now on. `on_live` runs once the hub's
  // subscription to the colony is active (at once if it already is).
  void join_colony(const std::string& colony, Participant& session, Membership membership,
                   std::function<void()> on_live);
  void leave_colony(const std::string& colony, Participant& session, Membership membership);

  // Events from the router, in order, at once: to every local session of their colony. A
  // watcher gets a run of its colony's events in one write. The router hands over what one read
  // of the subscription brought: under load that is a burst, and the send(2) per receiver per
  // write is what fan-out costs.
  void deliver(std::span<const SharedEvent> events);
  // After the event subscription was lost and restored: every watcher fills what it missed.
  void catch_up_watchers();
  // The colony's history moved backwards and its epoch is now `current_epoch` (empty: unknown):
  // its watchers on this shard that are not on it close with 4009.
  void close_watchers_off_epoch(const std::string& colony, const std::string& current_epoch);
  // A watcher found the colony's history below what it delivered (`epoch`): the router renews
  // the epoch once and closes the colony's watchers on every shard. From this shard's loop.
  void report_moved_backwards(const std::string& colony, const std::string& epoch);
  // After this hub was swept as lost while alive: every agent session marks its connection again.
  void reassert_agents();
  // An agent connection of this shard whose end Redis took (told again if the link reaches
  // another server: recent_ends.hpp).
  void remember_end(RecordedEnd end);

 private:
  void schedule_tick();
  void tick();
  void deliver_run(std::span<const SharedEvent> run);
  boost::asio::awaitable<void> send_presence_refresh(std::vector<std::vector<std::string>> batch);
  // The link reached another server: what it may have lost of this shard's writes is told again.
  void restore_on_another_server();
  boost::asio::awaitable<void> tell_ends_again(std::vector<RecordedEnd> ends);

  HubContext& context_;
  unsigned index_;
  boost::asio::io_context io_{1};
  std::shared_ptr<redis::Connection> redis_;
  protocol::ClientMessageParser parser_;
  std::vector<char> read_buffer_ = std::vector<char>(64 * 1024);
  SnapshotReads snapshots_{context_.agents, context_.metrics, io_.get_executor(), context_.config.snapshot_part_agents};
  std::vector<Participant*> sessions_;
  boost::asio::steady_timer tick_timer_{io_};
  std::int64_t last_refresh_ = 0;  // steady_ms() of the last refresh batch
  bool refresh_in_flight_ = false;
  EventRouter* router_ = nullptr;
  // Plain pointers, as in sessions_: a session leaves before it can be destroyed.
  struct ColonyMembers {
    std::vector<Participant*> agents;
    std::vector<Participant*> watchers;
    std::size_t first_watcher = 0;  // where the next delivery starts (rotating_order.hpp)
    std::vector<Participant*>& of(Membership membership) {
      return membership == Membership::agent ? agents : watchers;
    }
  };
  std::unordered_map<std::string, ColonyMembers> colony_members_;
  std::uint64_t connection_counter_ = 0;
  RecentEnds recent_ends_;
  std::thread thread_;
};

// How often a shard walks its sessions for deadlines (auth, presence, writes) and the presence
// refresh: fine enough for a small --presence-ttl in tests and for --refresh-period, and at most
// once a second for the default two minutes.
std::chrono::milliseconds deadline_check_period(const Config& config);

}  // namespace mi::hub
