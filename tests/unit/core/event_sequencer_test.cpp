#include <catch2/catch.hpp>

#include "hub/core/event_sequencer.hpp"

using mi::hub::ColonyEvent;
using mi::hub::EventSequencer;
using mi::hub::SharedEvent;

namespace {
SharedEvent event(std::uint64_t seq, std::string epoch = "e1") {
  auto e = std::make_shared<ColonyEvent>();
  e->colony = "c1";
  e->seq = seq;
  e->epoch = std::move(epoch);
  e->fingerprint = 100 + seq;
  e->frame = std::make_shared<const std::string>("event " + std::to_string(seq));
  return e;
}

std::vector<std::uint64_t> seqs(const EventSequencer::Release& release) {
  std::vector<std::uint64_t> out;
  for (const auto& e : release.deliver) out.push_back(e->seq);
  return out;
}
}  // namespace

TEST_CASE("events held before the start go out after it, those covered by the snapshot dropped", "[sequencer]") {
  EventSequencer sequencer;
  CHECK(seqs(sequencer.offer(event(5))).empty());
  CHECK(seqs(sequencer.offer(event(6))).empty());
  CHECK(seqs(sequencer.offer(event(7))).empty());
  auto started = sequencer.start(5, "e1");
  CHECK(seqs(started) == std::vector<std::uint64_t>{6, 7});
  CHECK_FALSE(started.gap);
  CHECK(sequencer.delivered_seq() == 7);
  CHECK(sequencer.held_bytes() == 0);
}

TEST_CASE("live events in order go out at once; duplicates never", "[sequencer]") {
  EventSequencer sequencer;
  sequencer.start(0, "e1");
  CHECK(seqs(sequencer.offer(event(1))) == std::vector<std::uint64_t>{1});
  CHECK(seqs(sequencer.offer(event(2))) == std::vector<std::uint64_t>{2});
  CHECK(seqs(sequencer.offer(event(2))).empty());
  CHECK(seqs(sequencer.offer(event(1))).empty());
  CHECK(sequencer.delivered_seq() == 2);
}

TEST_CASE("a gap holds later events until the missing ones are filled", "[sequencer]") {
  EventSequencer sequencer;
  sequencer.start(10, "e1");
  auto after_gap = sequencer.offer(event(13));
  CHECK(seqs(after_gap).empty());
  CHECK(after_gap.gap);
  CHECK(sequencer.has_gap());
  CHECK(sequencer.held_bytes() == std::string("event 13").size());
  CHECK(seqs(sequencer.offer(event(14))).empty());
  // The fill brings 11 and 12 (and 13 again, as a stream read would).
  CHECK(seqs(sequencer.offer(event(11))) == std::vector<std::uint64_t>{11});
  auto filled = sequencer.offer(event(12));
  CHECK(seqs(filled) == std::vector<std::uint64_t>{12, 13, 14});
  CHECK_FALSE(filled.gap);
  CHECK(seqs(sequencer.offer(event(13))).empty());
  CHECK_FALSE(sequencer.has_gap());
}

TEST_CASE("a start after held events with a gap reports the gap", "[sequencer]") {
  EventSequencer sequencer;
  sequencer.offer(event(9));
  auto started = sequencer.start(5, "e1");
  CHECK(seqs(started).empty());
  CHECK(started.gap);
}

TEST_CASE("a run of the next events is taken whole; anything else is left to offer", "[sequencer]") {
  EventSequencer sequencer;
  std::vector<SharedEvent> run{event(1), event(2), event(3)};
  CHECK_FALSE(sequencer.take_in_order(run));  // not started: the snapshot decides first
  sequencer.start(0, "e1");
  CHECK(sequencer.take_in_order(run));
  CHECK(sequencer.delivered_seq() == 3);
  CHECK_FALSE(sequencer.take_in_order(run));  // already delivered
  std::vector<SharedEvent> skipping{event(4), event(6)};
  CHECK_FALSE(sequencer.take_in_order(skipping));
  CHECK(sequencer.delivered_seq() == 3);  // a refused run changes nothing
  sequencer.offer(event(6));  // held behind the missing 5
  std::vector<SharedEvent> next{event(4)};
  CHECK_FALSE(sequencer.take_in_order(next));  // something is held: offer() must sort it out
  CHECK(seqs(sequencer.offer(event(4))) == std::vector<std::uint64_t>{4});
}

TEST_CASE("an event of another epoch stops the watcher before anything of it goes out", "[sequencer][epoch]") {
  EventSequencer sequencer;
  sequencer.start(3, "e1");
  CHECK(seqs(sequencer.offer(event(4))) == std::vector<std::uint64_t>{4});
  auto changed = sequencer.offer(event(1, "e2"));
  CHECK(changed.epoch_changed);
  CHECK(changed.deliver.empty());
  // Nothing is released after that, not even the next event of the old epoch.
  auto after = sequencer.offer(event(5));
  CHECK(after.epoch_changed);
  CHECK(after.deliver.empty());
  CHECK(sequencer.delivered_seq() == 4);
}

TEST_CASE("a run in order but of another epoch is not taken at once", "[sequencer][epoch]") {
  EventSequencer sequencer;
  sequencer.start(3, "e1");
  std::vector<SharedEvent> run{event(4, "e2"), event(5, "e2")};
  CHECK_FALSE(sequencer.take_in_order(run));
  CHECK(sequencer.delivered_seq() == 3);
  std::vector<SharedEvent> mixed{event(4), event(5, "e2")};
  CHECK_FALSE(sequencer.take_in_order(mixed));
  std::vector<SharedEvent> same{event(4), event(5)};
  CHECK(sequencer.take_in_order(same));
}

TEST_CASE("events held before the start, of another epoch than the snapshot's, stop the watcher", "[sequencer][epoch]") {
  EventSequencer sequencer;
  sequencer.offer(event(7, "e1"));
  auto started = sequencer.start(2, "e2");
  CHECK(started.epoch_changed);
  CHECK(started.deliver.empty());
  CHECK(sequencer.held_bytes() == 0);

  EventSequencer same_epoch;
  same_epoch.offer(event(3, "e2"));
  auto fine = same_epoch.start(2, "e2");
  CHECK_FALSE(fine.epoch_changed);
  CHECK(seqs(fine) == std::vector<std::uint64_t>{3});
}

TEST_CASE("the sequencer knows which event it delivered last, unless it started there", "[sequencer][epoch]") {
  EventSequencer sequencer;
  sequencer.start(3, "e1");
  CHECK(sequencer.delivered_fingerprint() == 0);  // seq 3 came with a snapshot, not as an event
  sequencer.offer(event(4));
  CHECK(sequencer.delivered_fingerprint() == 104);
  std::vector<SharedEvent> run{event(5), event(6)};
  REQUIRE(sequencer.take_in_order(run));
  CHECK(sequencer.delivered_fingerprint() == 106);
  sequencer.offer(event(8));  // held: a gap
  CHECK(sequencer.delivered_fingerprint() == 106);
  sequencer.offer(event(7));
  CHECK(sequencer.delivered_seq() == 8);
  CHECK(sequencer.delivered_fingerprint() == 108);
}
