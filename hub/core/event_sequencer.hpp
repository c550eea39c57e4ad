#pragma once
// Puts a watcher's events in seq order, exactly once, without gaps. Live events may arrive
// before the watcher's starting point is known, twice (live and from the stream), or with a gap
// (a subscription that came late or dropped); the sequencer holds what cannot go yet and says
// when the gap must be filled from the colony's event stream. Every event must be of the epoch
// the watcher started in: one of another epoch is a history the watcher has not seen, and it
// must take a fresh snapshot (contract section 6) before anything of it is delivered. I/O free.

#include <cstddef>
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "hub/core/colony_event.hpp"

namespace mi::hub {

class EventSequencer {
 public:
  struct Release {
    std::vector<SharedEvent> deliver;  // in seq order, each exactly once
    bool gap = false;                  // held events wait for missing ones: fill from the stream
    bool epoch_changed = false;        // an event of another epoch: deliver nothing more, close 4009
  };

  bool started() const { return started_; }
  std::uint64_t delivered_seq() const { return delivered_; }
  std::size_t held_bytes() const { return held_bytes_; }
  bool has_gap() const { return started_ && !held_.empty(); }

  const std::string& epoch() const { return epoch_; }
  // The fingerprint of the event at delivered_seq(), when it was delivered as an event (0 when
  // the watcher started there from a snapshot or resume).
  std::uint64_t delivered_fingerprint() const { return delivered_fingerprint_; }

  // The watcher has everything up to `seq` of `epoch` (a snapshot's or resume's).
  Release start(std::uint64_t seq, std::string epoch);

  // An event from the live feed or from the stream.
  Release offer(SharedEvent event);

  // The common case, decided without allocating: true (and they count as delivered) when the
  // events are exactly the next ones of the watcher's epoch and nothing is held; otherwise
  // nothing changes and each goes through offer().
  bool take_in_order(std::span<const SharedEvent> events);

 private:
  Release release();

  bool started_ = false;
  bool epoch_changed_ = false;  // once true, nothing more is released
  std::uint64_t delivered_ = 0;
  std::uint64_t delivered_fingerprint_ = 0;
  std::string epoch_;
  std::map<std::uint64_t, SharedEvent> held_;
  std::size_t held_bytes_ = 0;
};

}  // namespace mi::hub
