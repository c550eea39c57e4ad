#pragma once
// One colony's agents at one seq, read in slices (docs/protocol.md section 8). A colony of
// 100,000 agents read in one script would hold Redis for far over 10 ms, so the store reads it a
// slice at a time (redis-scripts/colony_slice.lua), each slice at the seq of its own moment. The
// assembly brings the earlier slices to the last slice's seq with the events between, which carry
// each changed agent whole, and so describes exactly the colony at that seq.
//
// The agents list only grows at its end, except when an agent is removed: each slice is asked
// for after the last agent read (its "anchor"), and the script finds the anchor a few places back
// when removals moved it. A read that cannot be brought to one seq (the anchor itself removed, the
// epoch changed, the stream no longer holds the events between) starts again, a few times at
// most. I/O free: the store carries out the actions it returns.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>
#include <vector>

namespace mi::hub {

struct ColonySnapshot {
  std::uint64_t seq = 0;
  std::string epoch;  // the colony's event history the seq counts in (made if it had none)
  std::vector<std::string> agent_jsons;  // in join order
  // How the read went, for the metrics.
  std::size_t slices = 0;
  std::size_t catch_up_events = 0;
  int attempts = 0;
};

// What one slice script answered.
struct SnapshotSlice {
  std::uint64_t seq = 0;
  std::string epoch;
  bool anchor_lost = false;    // the agent asked after is gone: the positions cannot be trusted
  std::size_t next_start = 0;  // where the slice after this one starts
  bool at_end = false;         // the slice reached the end of the list
  std::vector<std::string> agent_jsons;
};

// The colony's events after some seq (the store's read_events).
struct SnapshotEvents {
  std::string epoch;
  bool complete = true;  // false: the stream no longer holds the first event asked for
  std::vector<std::string> events;  // event JSON, in seq order
};

struct Metrics;
// Counts a finished read in the hub's metrics (mi_colony_read*).
void count_colony_read(Metrics& metrics, const ColonySnapshot& snapshot);

class SnapshotAssembly {
 public:
  struct ReadSlice {
    std::size_t start = 0;
    std::string anchor;  // the id expected just before `start` ("" at 0)
  };
  struct ReadEvents {
    std::uint64_t after = 0;
  };
  struct Complete {};
  struct GiveUp {};  // changed under every attempt
  using Action = std::variant<ReadSlice, ReadEvents, Complete, GiveUp>;

  static constexpr int kAttempts = 5;

  Action start();
  Action on_slice(SnapshotSlice slice);
  Action on_events(const SnapshotEvents& page);

  int attempts() const { return attempts_; }
  std::size_t slices_read() const { return slices_read_; }
  std::size_t events_read() const { return events_read_; }  // events applied or passed over, all attempts

  // After Complete: the colony at one seq.
  ColonySnapshot take();

 private:
  struct Entry {
    std::string json;
    std::uint64_t read_at = 0;  // the seq of the slice it came in
    bool removed = false;
  };

  Action restart();
  Action next_events_or_complete();

  std::vector<Entry> entries_;
  std::unordered_map<std::string, std::size_t> index_;  // agent id -> entry
  std::string epoch_;
  std::uint64_t first_seq_ = 0;
  std::uint64_t last_seq_ = 0;
  std::uint64_t applied_seq_ = 0;  // events up to here are applied
  std::size_t next_start_ = 0;
  std::string anchor_;
  int attempts_ = 0;
  std::size_t slices_read_ = 0;
  std::size_t events_read_ = 0;
};

}  // namespace mi::hub
