#pragma once
// Agents in Redis: redeeming an invite, a socket connecting and disconnecting, the colony's list.
// Each state change is one script of redis-scripts/ (atomic, with its event).

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "hub/core/api_error.hpp"
#include "hub/core/snapshot_assembly.hpp"
#include "hub/store/keys.hpp"
#include "hub/redis/connection.hpp"
#include "hub/store/presence_leases.hpp"
#include "hub/store/redis_clock.hpp"

namespace mi::hub {

// An agent's credential: "<colony>:<agent id>:<secret>". Only SHA-256(secret) is stored; the
// colony and id route the check to the right keys.
struct AgentToken {
  std::string colony;
  std::string agent_id;
  std::string secret;

  std::string to_string() const { return colony + ":" + agent_id + ":" + secret; }
  static std::optional<AgentToken> parse(std::string_view text);
};

struct RedeemedAgent {
  std::string agent_id;
  std::string agent_json;  // AGENT
  std::string token;       // returned once, to the agent
};

struct ConnectedAgent {
  std::string agent_json;
};

struct ClonedAgent {
  std::string agent_id;
  std::string agent_json;
  std::string token;
};

// Events after a given seq, from the colony's stream.
struct EventsPage {
  std::uint64_t current_seq = 0;
  std::string epoch;                // the colony's event history current_seq counts in
  std::string anchor;               // the event at the seq asked after, if held (else empty)
  bool complete = true;             // false: the stream no longer holds the first event wanted
  std::vector<std::string> events;  // event JSON, in seq order
};

// What became of a status update.
struct StatusOutcome {
  bool published = false;
  std::int64_t retry_after_ms = 0;  // when not published: the agent's last update is too recent
};


// A connection as the hubs' sets list it (AgentStore::hub_connection_entry).
struct HubConnectionEntry {
  std::string colony;
  std::string connection_id;
};

// The set that lists a connection's entry, which it leaves on disconnect: keys.hub_connections()
// of the hub that holds it, or keys.orphan_connections() once a sweep claimed that hub as lost
// (claim_lost_hubs.lua moves a lost hub's entries there).
struct ListedIn {
  std::string set_key;
};

// How long a connection its hub ended stays marked ended in Redis (agent_disconnect.lua's
// tombstone): as long as a stalled Redis might take to run a connect still queued for it.
inline constexpr std::chrono::milliseconds kEndedConnectionMemory{std::chrono::hours(1)};

class AgentStore {
 public:
  // `redis_timeout`: how long the hub waits for a command's reply (--redis-timeout).
  AgentStore(const Keys& keys, std::size_t event_stream_length, std::int64_t hub_liveness_ms,
             std::int64_t presence_ttl_ms, std::chrono::milliseconds redis_timeout)
      : keys_(keys),
        event_stream_length_(std::to_string(event_stream_length)),
        hub_liveness_ms_(hub_liveness_ms),
        presence_ttl_ms_(std::to_string(presence_ttl_ms)),
        redis_timeout_ms_(redis_timeout.count()),
        redis_clock_(redis_timeout / 4),
        leases_(keys, event_stream_length, presence_ttl_ms) {}

  // The graces, HTTP beats and health reports that keep agents online without a socket.
  PresenceLeases& leases() { return leases_; }

  // Redis' clock as this hub knows it: the liveness beat feeds it (hub_liveness.cpp).
  RedisClock& redis_clock() { return redis_clock_; }

  // invalid_code (unknown, used, revoked, other environment) or wrong_invite_type, or a Redis
  // failure. `code` is already normalized; `colony` is where the code index points.
  boost::asio::awaitable<Outcome<RedeemedAgent>> redeem(redis::Connection& redis, const std::string& colony,
                                                        const std::string& code,
                                                        const std::optional<std::string>& name,
                                                        const std::string& connection_id,
                                                        const std::string& hub_id);

  // unauthorized when the token does not match. `secret_sha256` is SHA-256 (hex) of the token's
  // secret (the session keeps it to re-assert the connection, see WsSession::reassert). `hub` is
  // the instance holding the socket. A re-asserted socket names the connection id it had before
  // in `replaces`, which is dropped with it. A hello (no `replaces`) that Redis runs after the hub
  // gave up on it changes nothing (give_up_deadline); a re-assertion has no deadline, as its
  // socket stays open whatever the reply.
  boost::asio::awaitable<Outcome<ConnectedAgent>> connect(redis::Connection& redis, const std::string& colony,
                                                          const std::string& agent_id,
                                                          const std::string& secret_sha256,
                                                          const std::string& connection_id,
                                                          const std::string& hub,
                                                          const std::string& replaces = {});

  // One socket is gone; its agent goes offline with `reason` if it was the last, and the
  // connection's entry leaves `listed_in`. `last_frame_ms` is when the socket last sent a frame
  // (0: unknown). The outcome is the seq of the "offline" event, or 0 when the agent stays online.
  // With `tombstone_ttl_ms`, a connection Redis does not know (yet) is marked ended for that long,
  // so that a connect or redemption of it still queued in an abandoned socket changes nothing.
  // With `grace_ms` (the socket dropped without the agent closing it), the last socket's end
  // makes the agent offline only when the grace ends with no socket back (PresenceLeases).
  boost::asio::awaitable<Outcome<std::uint64_t>> disconnect(redis::Connection& redis, const std::string& colony,
                                                            const std::string& connection_id,
                                                            const std::string& reason,
                                                            std::int64_t last_frame_ms, const ListedIn& listed_in,
                                                            std::int64_t tombstone_ttl_ms = 0,
                                                            std::int64_t grace_ms = 0);
  // The same for a socket of hub `hub_id`, listed among that hub's connections.
  boost::asio::awaitable<Outcome<std::uint64_t>> disconnect(redis::Connection& redis, const std::string& colony,
                                                            const std::string& connection_id,
                                                            const std::string& reason,
                                                            std::int64_t last_frame_ms,
                                                            const std::string& hub_id,
                                                            std::int64_t tombstone_ttl_ms = 0,
                                                            std::int64_t grace_ms = 0);

  // Removes an agent from its colony (remove_agent.lua): the AGENT JSON it had. not_found (404);
  // agent_online (409) when it is online and not `even_if_online`.
  boost::asio::awaitable<Outcome<std::string>> remove(redis::Connection& redis, const std::string& colony,
                                                      const std::string& agent_id, bool even_if_online);

  // Whether the agent exists and `secret_sha256` is SHA-256 (hex) of its secret: unauthorized
  // otherwise. Reads only, so that an action over HTTP changes nothing of the agent's presence.
  boost::asio::awaitable<Outcome<std::monostate>> authenticate(redis::Connection& redis, const std::string& colony,
                                                               const std::string& agent_id,
                                                               const std::string& secret_sha256);

  // not_allowed unless the source is a remote agent.
  boost::asio::awaitable<Outcome<ClonedAgent>> clone(redis::Connection& redis, const std::string& colony,
                                                     const std::string& source_agent_id);

  boost::asio::awaitable<Outcome<std::uint64_t>> post_chat(redis::Connection& redis, const std::string& colony,
                                                           const std::string& agent_id, const std::string& text);

  boost::asio::awaitable<Outcome<StatusOutcome>> update_status(redis::Connection& redis,
                                                               const std::string& colony,
                                                               const std::string& agent_id,
                                                               const std::string& meta_json,
                                                               std::int64_t min_interval_ms);

  // At most `count` events after `after_seq`.
  boost::asio::awaitable<Outcome<EventsPage>> read_events(redis::Connection& redis, const std::string& colony,
                                                          std::uint64_t after_seq, std::size_t count);

  // The colony's history moved backwards under this hub while its epoch was `broken_epoch`: a new
  // epoch, unless another hub (or a Redis that lost the colony) already made one. The outcome is
  // the colony's epoch now.
  boost::asio::awaitable<Outcome<std::string>> renew_epoch(redis::Connection& redis, const std::string& colony,
                                                           const std::string& broken_epoch);

  // A new secret for an agent (replacing its previous one); not_found when there is none.
  boost::asio::awaitable<Outcome<std::string>> issue_token(redis::Connection& redis, const std::string& colony,
                                                           const std::string& agent_id);

  // The entry that lists a connection among its hub's (swept when the hub is lost):
  // "<colony> <connection id>".
  static std::string hub_connection_entry(const std::string& colony, const std::string& connection_id) {
    return colony + " " + connection_id;
  }
  // An entry read back: the colony is up to the first space, the connection id the rest. Nothing
  // when there is no space (no hub writes such an entry).
  static std::optional<HubConnectionEntry> parse_hub_connection_entry(std::string_view entry);

  // Every agent of the colony at one seq (its epoch made if it had none), read in slices of
  // kSnapshotSliceAgents so that no call holds Redis long (hub/core/snapshot_assembly.hpp).
  // unavailable when the colony changed under every attempt.
  boost::asio::awaitable<Outcome<ColonySnapshot>> snapshot(redis::Connection& redis, const std::string& colony);

  // An agent's reading is three commands in the script, about 8 µs on an idle Redis: a slice of
  // 200 is under 2 ms, and stays under 10 ms when Redis shares a busy core.
  static constexpr std::size_t kSnapshotSliceAgents = 200;
  static constexpr std::size_t kSnapshotEventPage = 1000;

 private:
  // Listed among the hub's connections before it exists, so that a hub dying in between leaves
  // nothing the sweep cannot clean.
  boost::asio::awaitable<redis::Result> list_hub_connection(redis::Connection& redis, const std::string& hub_id,
                                                            const std::string& colony,
                                                            const std::string& connection_id);

  // The deadline, on Redis' clock, of a hello or redemption sent now (past_deadline in
  // redis-scripts/prelude.lua): a quarter of --redis-timeout before the hub gives up on it, so
  // that a script that ran in time has answered by then. "0" (none) until Redis' clock is known.
  std::string give_up_deadline() const;

  const Keys& keys_;
  std::string event_stream_length_;
  std::int64_t hub_liveness_ms_;
  std::string presence_ttl_ms_;
  std::int64_t redis_timeout_ms_;
  RedisClock redis_clock_;
  PresenceLeases leases_;
};

}  // namespace mi::hub
