#include <catch2/catch.hpp>

#include "hub/core/event_sequencer.hpp"

using mi::hub::ColonyEvent;
using mi::hub::EventSequencer;
using mi::hub::SharedEvent;

namespace {
SharedEvent event(std::uint64_t seq) {
  auto e = std::make_shared<ColonyEvent>();
  e->colony = "c1";
  e->seq = seq;
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
  auto started = sequencer.start(5);
  CHECK(seqs(started) == std::vector<std::uint64_t>{6, 7});
  CHECK_FALSE(started.gap);
  CHECK(sequencer.delivered_seq() == 7);
  CHECK(sequencer.held_bytes() == 0);
}

TEST_CASE("live events in order go out at once; duplicates never", "[sequencer]") {
  EventSequencer sequencer;
  sequencer.start(0);
  CHECK(seqs(sequencer.offer(event(1))) == std::vector<std::uint64_t>{1});
  CHECK(seqs(sequencer.offer(event(2))) == std::vector<std::uint64_t>{2});
  CHECK(seqs(sequencer.offer(event(2))).empty());
  CHECK(seqs(sequencer.offer(event(1))).empty());
  CHECK(sequencer.delivered_seq() == 2);
}

TEST_CASE("a gap holds later events until the missing ones are filled", "[sequencer]") {
  EventSequencer sequencer;
  sequencer.start(10);
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
  auto started = sequencer.start(5);
  CHECK(seqs(started).empty());
  CHECK(started.gap);
}

TEST_CASE("a run of the next events is taken whole; anything else is left to offer", "[sequencer]") {
  EventSequencer sequencer;
  std::vector<SharedEvent> run{event(1), event(2), event(3)};
  CHECK_FALSE(sequencer.take_in_order(run));  // not started: the snapshot decides first
  sequencer.start(0);
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
