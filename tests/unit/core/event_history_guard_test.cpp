// Whether a colony's events continue the history the hub delivered: (epoch, seq, fingerprint)
// in, a verdict out; no Redis, no sockets.
#include <catch2/catch.hpp>

#include <string>
#include <utility>
#include <vector>

#include "hub/core/event_history_guard.hpp"

using mi::hub::EventHistoryGuard;
using mi::hub::HistoryVerdict;
using mi::hub::judge_stream_head;
using mi::hub::to_string;

namespace {

struct Input {
  std::string epoch;
  std::uint64_t seq;
  std::uint64_t fingerprint;
};

// The verdicts of a series of events, as names, so that a failure shows the whole series.
std::vector<std::string> feed(EventHistoryGuard& guard, const std::vector<Input>& inputs) {
  std::vector<std::string> out;
  for (const auto& input : inputs) out.emplace_back(to_string(guard.offer(input.epoch, input.seq, input.fingerprint)));
  return out;
}

// The fingerprint of "event `seq` of the first history"; another history's event under the same
// seq has another fingerprint.
std::uint64_t first(std::uint64_t seq) { return 1000 + seq; }
std::uint64_t second(std::uint64_t seq) { return 2000 + seq; }

}  // namespace

TEST_CASE("the events of one epoch in order are delivered; the first one seen sets the epoch", "[history_guard]") {
  EventHistoryGuard guard;
  CHECK(feed(guard, {{"e1", 7, first(7)}, {"e1", 8, first(8)}, {"e1", 10, first(10)}}) ==
        std::vector<std::string>{"deliver", "deliver", "deliver"});
  CHECK(guard.epoch() == "e1");
  CHECK(guard.highest_seq() == 10);
  CHECK_FALSE(guard.broken());
}

TEST_CASE("the same event again is a duplicate, dropped", "[history_guard]") {
  EventHistoryGuard guard;
  CHECK(feed(guard, {{"e1", 1, first(1)}, {"e1", 2, first(2)}, {"e1", 2, first(2)}, {"e1", 1, first(1)}}) ==
        std::vector<std::string>{"deliver", "deliver", "drop_duplicate", "drop_duplicate"});
  CHECK_FALSE(guard.broken());
  CHECK(to_string(guard.offer("e1", 3, first(3))) == std::string("deliver"));
}

TEST_CASE("another event under a seq already delivered: history moved backwards, its epoch is dropped", "[history_guard]") {
  EventHistoryGuard guard;
  // A failover lost 4 and 5: the new primary hands out 4 again, for another event, then 5, 6...
  CHECK(feed(guard, {{"e1", 3, first(3)}, {"e1", 4, first(4)}, {"e1", 5, first(5)}, {"e1", 4, second(4)},
                     {"e1", 5, second(5)}, {"e1", 6, second(6)}}) ==
        std::vector<std::string>{"deliver", "deliver", "deliver", "moved_backwards", "drop_stale", "drop_stale"});
  CHECK(guard.broken());
  CHECK(guard.epoch() == "e1");
}

TEST_CASE("a seq below what was delivered and no longer remembered counts as moved backwards", "[history_guard]") {
  EventHistoryGuard guard;
  for (std::uint64_t seq = 1; seq <= 200; ++seq) guard.offer("e1", seq, first(seq));
  // Seq 10 is past the memory of fingerprints: the subscription never repeats a message, so it
  // is not a duplicate.
  CHECK(guard.offer("e1", 10, first(10)) == HistoryVerdict::moved_backwards);
}

TEST_CASE("after the renewal, the new epoch's events are delivered and the old one's are stale", "[history_guard]") {
  EventHistoryGuard guard;
  feed(guard, {{"e1", 5, first(5)}, {"e1", 3, second(3)}});
  REQUIRE(guard.broken());
  guard.renewed("e1", "e2");
  CHECK(guard.epoch() == "e2");
  CHECK_FALSE(guard.broken());
  // Renewing keeps the seq counter: the new epoch goes on from wherever Redis' seq is. A late
  // event of e1 is for Redis to judge (back_to_retired); e2's events go on meanwhile.
  CHECK(feed(guard, {{"e2", 4, second(4)}, {"e1", 6, first(6)}, {"e2", 5, second(5)}, {"e1", 7, first(7)}}) ==
        std::vector<std::string>{"deliver", "back_to_retired", "deliver", "drop_stale"});
  guard.renewed("e1", "e2");  // Redis is on e2: the e1 events were late, nothing changes
  CHECK(guard.epoch() == "e2");
  CHECK(guard.highest_seq() == 5);
  CHECK(guard.offer("e2", 6, second(6)) == HistoryVerdict::deliver);
}

TEST_CASE("a failed renewal starts the guard over from the next event", "[history_guard]") {
  EventHistoryGuard guard;
  feed(guard, {{"e1", 5, first(5)}, {"e1", 3, second(3)}});
  REQUIRE(guard.broken());
  guard.renewal_failed("e0");  // not the broken epoch: nothing changes
  CHECK(guard.broken());
  guard.renewal_failed("e1");
  CHECK_FALSE(guard.broken());
  // Every watcher was closed and comes back with a snapshot of what Redis holds: its events go.
  CHECK(feed(guard, {{"e1", 4, second(4)}, {"e1", 5, second(5)}}) == std::vector<std::string>{"deliver", "deliver"});
}

TEST_CASE("a new epoch in an event is told once, then its events are delivered", "[history_guard]") {
  EventHistoryGuard guard;
  // Redis restarted empty: seq starts again at 1 under an epoch it made anew.
  CHECK(feed(guard, {{"e1", 41, first(41)}, {"e2", 1, second(1)}, {"e2", 2, second(2)}, {"e1", 42, first(42)}}) ==
        std::vector<std::string>{"deliver", "new_epoch", "deliver", "back_to_retired"});
  CHECK(guard.epoch() == "e2");
  CHECK(guard.highest_seq() == 2);
}

TEST_CASE("Redis back on an epoch left behind: its events are not dropped for ever", "[history_guard]") {
  EventHistoryGuard guard;
  // e1 renewed to e2; a second failover lost the renewal, and Redis goes on under e1.
  feed(guard, {{"e1", 5, first(5)}, {"e1", 3, second(3)}});
  guard.renewed("e1", "e2");
  CHECK(feed(guard, {{"e2", 4, second(4)}, {"e1", 4, first(4)}, {"e1", 5, first(5)}}) ==
        std::vector<std::string>{"deliver", "back_to_retired", "drop_stale"});
  guard.renewed("e1", "e3");  // the renewal of e1 made e3: its events are delivered
  CHECK(guard.epoch() == "e3");
  CHECK(feed(guard, {{"e3", 6, first(6)}, {"e1", 7, first(7)}}) == std::vector<std::string>{"deliver", "back_to_retired"});

  EventHistoryGuard failed;  // the renewal fails: the watchers are all closed, start over
  feed(failed, {{"e1", 5, first(5)}, {"e2", 1, second(1)}, {"e1", 6, first(6)}});
  failed.renewal_failed("e1");
  CHECK(feed(failed, {{"e1", 7, first(7)}, {"e1", 8, first(8)}}) == std::vector<std::string>{"deliver", "deliver"});
  CHECK(failed.epoch() == "e1");
}

TEST_CASE("a renewal answered after its epoch's events arrived changes nothing", "[history_guard]") {
  EventHistoryGuard guard;
  feed(guard, {{"e1", 5, first(5)}, {"e1", 2, second(2)}});
  // Another hub renewed first, and its event of e2 came before this hub's renewal answered.
  CHECK(guard.offer("e2", 3, second(3)) == HistoryVerdict::new_epoch);
  guard.renewed("e1", "e2");
  CHECK(guard.epoch() == "e2");
  CHECK(guard.highest_seq() == 3);
  CHECK(guard.offer("e2", 3, second(3)) == HistoryVerdict::drop_duplicate);
}

TEST_CASE("a watcher's report of history moved backwards is news once per epoch", "[history_guard]") {
  EventHistoryGuard guard;
  guard.offer("e1", 9, first(9));
  CHECK(guard.report_moved_backwards("e1"));
  CHECK_FALSE(guard.report_moved_backwards("e1"));  // several watchers find it: renew once
  CHECK(guard.offer("e1", 10, first(10)) == HistoryVerdict::drop_stale);
  CHECK_FALSE(guard.report_moved_backwards("e0"));  // not the epoch this hub follows

  EventHistoryGuard fresh;  // no event seen yet: the report sets the epoch, broken
  CHECK(fresh.report_moved_backwards("e1"));
  CHECK(fresh.broken());
  CHECK(fresh.offer("e1", 1, first(1)) == HistoryVerdict::drop_stale);
}

TEST_CASE("a read of the stream tells a watcher whether the history it follows goes on", "[history_guard]") {
  using mi::hub::StreamHead;
  using mi::hub::WatcherPlace;
  const WatcherPlace at_five{"e1", 5, first(5)};
  CHECK(judge_stream_head(at_five, StreamHead{"e1", 5, first(5)}) == HistoryVerdict::deliver);
  CHECK(judge_stream_head(at_five, StreamHead{"e1", 9, first(5)}) == HistoryVerdict::deliver);
  // The stream ends below the watcher.
  CHECK(judge_stream_head(at_five, StreamHead{"e1", 4, 0}) == HistoryVerdict::moved_backwards);
  CHECK(judge_stream_head(at_five, StreamHead{"e1", 0, 0}) == HistoryVerdict::moved_backwards);
  // The stream went past the watcher again, with another event at its seq.
  CHECK(judge_stream_head(at_five, StreamHead{"e1", 9, second(5)}) == HistoryVerdict::moved_backwards);
  // What cannot be compared is not taken for a change: the stream no longer holds the event, or
  // the watcher started at that seq from a snapshot.
  CHECK(judge_stream_head(at_five, StreamHead{"e1", 9, 0}) == HistoryVerdict::deliver);
  CHECK(judge_stream_head(WatcherPlace{"e1", 5, 0}, StreamHead{"e1", 9, second(5)}) == HistoryVerdict::deliver);
  CHECK(judge_stream_head(at_five, StreamHead{"e2", 9, second(5)}) == HistoryVerdict::new_epoch);
  CHECK(judge_stream_head(at_five, StreamHead{"e2", 1, 0}) == HistoryVerdict::new_epoch);
}
