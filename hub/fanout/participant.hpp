#pragma once
// What a shard asks of a session it holds: the small interface between the fan-out layer and the
// WebSocket sessions above it (as Asio's chat example puts `chat_participant` between its room
// and its sessions). The shard keeps plain pointers to participants: a participant leaves its
// shard's lists at its end, before it can be destroyed.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "hub/core/colony_event.hpp"

namespace mi::hub {

class Participant {
 public:
  // Called by the shard's tick with the current steady_ms().
  virtual void check_deadlines(std::int64_t now) = 0;
  // The command that refreshes this agent's presence key, when it is due (see Shard::tick).
  virtual std::optional<std::vector<std::string>> presence_refresh_command(std::int64_t now,
                                                                           std::int64_t ttl_ms) = 0;
  // The hub is draining: close with 1012, so that an agent goes offline with reason "drained".
  virtual void close_for_drain() = 0;

  // An event of the participant's colony (watchers get all, in order; agents get chat).
  virtual void on_event(const SharedEvent& event) = 0;
  // Consecutive events of the colony that arrived together, with their frames joined.
  virtual void on_events(std::span<const SharedEvent> events, const SharedMessage& joined) = 0;
  // Look in the event stream for anything missed (after the event subscription came back).
  virtual void catch_up() = 0;
  // The colony's history moved backwards under this hub and its epoch is now `current_epoch`
  // (empty: unknown, the renewal failed): a watcher that is not on it closes with 4009, to take a
  // fresh snapshot.
  virtual void leave_broken_history(const std::string& current_epoch) = 0;
  // This hub was swept as lost while it held this agent's socket: mark the connection again.
  virtual void reassert() = 0;
  // Agent `agent_id` was removed from the colony: its socket closes with 4003.
  virtual void end_if_removed(const std::string& agent_id) = 0;

  // Where the shard keeps this participant in its session list and in its colony's member list,
  // so that leaving either is O(1).
  std::size_t shard_slot() const { return shard_slot_; }
  void set_shard_slot(std::size_t slot) { shard_slot_ = slot; }
  std::size_t colony_slot() const { return colony_slot_; }
  void set_colony_slot(std::size_t slot) { colony_slot_ = slot; }

 protected:
  Participant() = default;
  ~Participant() = default;  // never destroyed through this interface
  Participant(const Participant&) = default;
  Participant& operator=(const Participant&) = default;

 private:
  std::size_t shard_slot_ = 0;
  std::size_t colony_slot_ = 0;
};

}  // namespace mi::hub
