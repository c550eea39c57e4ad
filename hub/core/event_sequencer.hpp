#pragma once
// Puts a watcher's events in seq order, exactly once, without gaps. Live events may arrive
// before the watcher's starting point is known, twice (live and from the stream), or with a gap
// (a subscription that came late or dropped); the sequencer holds what cannot go yet and says
// when the gap must be filled from the colony's event stream. I/O free.

#include <cstddef>
#include <cstdint>
#include <map>
#include <span>
#include <vector>

#include "hub/core/colony_event.hpp"

namespace mi::hub {

class EventSequencer {
 public:
  struct Release {
    std::vector<SharedEvent> deliver;  // in seq order, each exactly once
    bool gap = false;                  // held events wait for missing ones: fill from the stream
  };

  bool started() const { return started_; }
  std::uint64_t delivered_seq() const { return delivered_; }
  std::size_t held_bytes() const { return held_bytes_; }
  bool has_gap() const { return started_ && !held_.empty(); }

  // The watcher has everything up to `seq` (a snapshot's or resume's seq).
  Release start(std::uint64_t seq);

  // An event from the live feed or from the stream.
  Release offer(SharedEvent event);

  // The common case, decided without allocating: true (and they count as delivered) when the
  // events are exactly the next ones and nothing is held; otherwise nothing changes and each goes
  // through offer().
  bool take_in_order(std::span<const SharedEvent> events);

 private:
  Release release();

  bool started_ = false;
  std::uint64_t delivered_ = 0;
  std::map<std::uint64_t, SharedEvent> held_;
  std::size_t held_bytes_ = 0;
};

}  // namespace mi::hub
