#pragma once
// Whether one colony's events, as a hub receives them, continue the history it has delivered
// (docs/protocol.md section 6, "Order across a failover"). An epoch names a colony's event history; its
// seq never goes backwards and never carries two events. A failover that lost writes, or a Redis
// restarted empty, breaks that: the same epoch comes back with seqs already delivered for other
// events, or the stream ends below them, or a new epoch appears. The guard tells which, so that
// no watcher sees a seq twice or backwards: what moved backwards is dropped and the colony gets
// a new epoch; a new epoch sends the watchers of the old one for a fresh snapshot.
//
// The router feeds it every event of its subscription, where Redis never repeats a message: a seq
// that comes again is a duplicate only when it is the very event remembered for that seq. I/O
// free; the caller renews the epoch and closes the watchers.

#include <array>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>

namespace mi::hub {

enum class HistoryVerdict {
  deliver,          // the next event of the history known (or the first one seen)
  drop_duplicate,   // the event remembered for that seq, again
  drop_stale,       // of the epoch found broken while its renewal is under way
  moved_backwards,  // a seq already delivered, for another event, or a stream below it: drop it,
                    // renew the epoch, close the colony's watchers with 4009
  new_epoch,        // another history: the watchers of the old one take a fresh snapshot
  back_to_retired,  // an epoch this hub left behind: either a late event of it, or Redis went
                    // back to it (a second failover lost the renewal). Redis decides: the caller
                    // renews that epoch (a no-op if Redis is past it) and closes the watchers
                    // that are not on the epoch Redis answers
};

const char* to_string(HistoryVerdict verdict);

class EventHistoryGuard {
 public:
  // Seqs whose events are remembered (by fingerprint), to tell a duplicate from another event.
  // The subscription never repeats a message, so this is a margin, not a need: kept small, as a
  // hub holds one guard per colony it routes.
  static constexpr std::size_t kRememberedEvents = 16;
  // Epochs left behind that are still recognised as stale.
  static constexpr std::size_t kRetiredEpochs = 8;

  // An event of the colony: its epoch, its seq, and a fingerprint of its bytes.
  HistoryVerdict offer(std::string_view epoch, std::uint64_t seq, std::uint64_t fingerprint);

  // Someone else (a watcher filling a gap) found that the colony's history moved backwards while
  // its epoch was `epoch`. True when this is news: the caller then renews the epoch.
  bool report_moved_backwards(std::string_view epoch);

  // The renewal of `broken` answered that the colony's epoch is now `current`. Events of
  // `current` are then delivered from its first seq on. `broken` is the epoch this guard follows
  // (moved_backwards) or a retired one that came back (back_to_retired).
  void renewed(std::string_view broken, std::string_view current);

  // The renewal of `broken` failed (Redis unreachable): the colony's watchers on this hub are all
  // closed, and come back with snapshots of whatever Redis then holds, so the guard starts over
  // from the next event instead of dropping the epoch's events for ever.
  void renewal_failed(std::string_view broken);

  const std::string& epoch() const { return epoch_; }
  std::uint64_t highest_seq() const { return highest_; }
  bool broken() const { return broken_; }

 private:
  void adopt(std::string_view epoch);
  void remember(std::uint64_t seq, std::uint64_t fingerprint);
  bool retired(std::string_view epoch) const;

  struct Remembered {
    std::uint64_t seq = 0;  // 0: nothing remembered in this slot
    std::uint64_t fingerprint = 0;
  };

  std::string epoch_;  // empty until the first event
  std::uint64_t highest_ = 0;
  bool broken_ = false;
  std::array<Remembered, kRememberedEvents> recent_{};  // slot seq % kRememberedEvents
  std::deque<std::string> retired_;
  // A retired epoch that came back and is being renewed: its further events are dropped until
  // the renewal answers, instead of asking Redis once per event.
  std::string returning_;
};

// Where a watcher is in its colony's history: its epoch, the last seq it was given, and the
// fingerprint of that event (0: unknown, it started there from a snapshot or resume).
struct WatcherPlace {
  std::string_view epoch;
  std::uint64_t seq = 0;
  std::uint64_t fingerprint = 0;
};

// What a read of the colony's stream says of the stream's history: the epoch and seq now, and the
// fingerprint of the event it holds at the watcher's seq (0: not held).
struct StreamHead {
  std::string_view epoch;
  std::uint64_t seq = 0;
  std::uint64_t fingerprint_at_watcher_seq = 0;
};

// What a watcher filling a gap learns from a read of the stream: deliver (the stream goes on
// from where the watcher is), new_epoch, or moved_backwards (the same epoch ends below what the
// watcher was given, or holds another event than the one it was given at its seq: a history that
// lost writes and grew again while the hub was not listening).
HistoryVerdict judge_stream_head(const WatcherPlace& watcher, const StreamHead& stream);

}  // namespace mi::hub
