#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "hub/core/snapshot_assembly.hpp"

using mi::hub::SnapshotAssembly;
using mi::hub::SnapshotEvents;
using mi::hub::SnapshotSlice;

namespace {

std::string agent(const std::string& id, const std::string& status) {
  return R"({"id":")" + id + R"(","status":")" + status + R"("})";
}

std::string event(std::uint64_t seq, const std::string& kind, const std::string& agent_json,
                  const std::string& epoch = "e1") {
  return R"({"type":"event","colony":"c","seq":)" + std::to_string(seq) + R"(,"epoch":")" + epoch +
         R"(","ts":1,"event":")" + kind + R"(","agent":)" + agent_json + "}";
}

std::string chat(std::uint64_t seq) {
  return R"({"type":"event","colony":"c","seq":)" + std::to_string(seq) +
         R"(,"epoch":"e1","ts":1,"event":"chat","from":"a","text":"hi"})";
}

SnapshotSlice slice(std::uint64_t seq, std::size_t next_start, bool at_end, std::vector<std::string> agents,
                    std::string epoch = "e1") {
  SnapshotSlice s;
  s.seq = seq;
  s.epoch = std::move(epoch);
  s.next_start = next_start;
  s.at_end = at_end;
  s.agent_jsons = std::move(agents);
  return s;
}

}  // namespace

TEST_CASE("a colony read in one slice is complete at once", "[snapshot_assembly]") {
  SnapshotAssembly assembly;
  auto first = assembly.start();
  REQUIRE(std::holds_alternative<SnapshotAssembly::ReadSlice>(first));
  CHECK(std::get<SnapshotAssembly::ReadSlice>(first).start == 0);
  auto done = assembly.on_slice(slice(7, 2, true, {agent("a", "online"), agent("b", "offline")}));
  REQUIRE(std::holds_alternative<SnapshotAssembly::Complete>(done));
  auto snapshot = assembly.take();
  CHECK(snapshot.seq == 7);
  CHECK(snapshot.epoch == "e1");
  CHECK(snapshot.agent_jsons == std::vector<std::string>{agent("a", "online"), agent("b", "offline")});
}

TEST_CASE("slices read at later seqs bring the earlier ones to the last seq", "[snapshot_assembly]") {
  SnapshotAssembly assembly;
  assembly.start();
  auto next = assembly.on_slice(slice(10, 2, false, {agent("a", "offline"), agent("b", "offline")}));
  REQUIRE(std::holds_alternative<SnapshotAssembly::ReadSlice>(next));
  CHECK(std::get<SnapshotAssembly::ReadSlice>(next).start == 2);
  CHECK(std::get<SnapshotAssembly::ReadSlice>(next).anchor == "b");
  // Between the slices: a went online (11), chat (12), c joined (13, read by the second slice
  // already online), c went offline (14, after the second slice: not shown), b was removed (15).
  auto events = assembly.on_slice(slice(13, 4, true, {agent("c", "online"), agent("d", "offline")}));
  REQUIRE(std::holds_alternative<SnapshotAssembly::ReadEvents>(events));
  CHECK(std::get<SnapshotAssembly::ReadEvents>(events).after == 10);
  SnapshotEvents page;
  page.epoch = "e1";
  page.events = {event(11, "online", agent("a", "online")), chat(12), event(13, "join", agent("c", "online")),
                 event(14, "offline", agent("c", "offline")), event(15, "remove", agent("b", "offline"))};
  auto done = assembly.on_events(page);
  REQUIRE(std::holds_alternative<SnapshotAssembly::Complete>(done));
  auto snapshot = assembly.take();
  CHECK(snapshot.seq == 13);
  CHECK(snapshot.agent_jsons ==
        std::vector<std::string>{agent("a", "online"), agent("b", "offline"), agent("c", "online"), agent("d", "offline")});
}

TEST_CASE("an agent removed before the last slice is left out", "[snapshot_assembly]") {
  SnapshotAssembly assembly;
  assembly.start();
  assembly.on_slice(slice(3, 1, false, {agent("a", "online")}));
  assembly.on_slice(slice(5, 2, true, {agent("b", "online")}));
  SnapshotEvents page;
  page.epoch = "e1";
  page.events = {event(4, "remove", agent("a", "online")), event(5, "online", agent("b", "online"))};
  REQUIRE(std::holds_alternative<SnapshotAssembly::Complete>(assembly.on_events(page)));
  CHECK(assembly.take().agent_jsons == std::vector<std::string>{agent("b", "online")});
}

TEST_CASE("events come in pages until the last slice's seq", "[snapshot_assembly]") {
  SnapshotAssembly assembly;
  assembly.start();
  assembly.on_slice(slice(1, 1, false, {agent("a", "offline")}));
  assembly.on_slice(slice(4, 2, true, {agent("b", "offline")}));
  SnapshotEvents first_page;
  first_page.epoch = "e1";
  first_page.events = {chat(2), chat(3)};
  auto more = assembly.on_events(first_page);
  REQUIRE(std::holds_alternative<SnapshotAssembly::ReadEvents>(more));
  CHECK(std::get<SnapshotAssembly::ReadEvents>(more).after == 3);
  SnapshotEvents second_page;
  second_page.epoch = "e1";
  second_page.events = {event(4, "online", agent("a", "online")), event(5, "offline", agent("a", "offline"))};
  REQUIRE(std::holds_alternative<SnapshotAssembly::Complete>(assembly.on_events(second_page)));
  auto snapshot = assembly.take();
  CHECK(snapshot.seq == 4);
  CHECK(snapshot.agent_jsons[0] == agent("a", "online"));
}

TEST_CASE("what cannot be brought to one seq starts again, a few times at most", "[snapshot_assembly]") {
  SECTION("the anchor was removed") {
    SnapshotAssembly assembly;
    assembly.start();
    assembly.on_slice(slice(1, 1, false, {agent("a", "offline")}));
    auto lost = slice(2, 0, false, {});
    lost.anchor_lost = true;
    auto again = assembly.on_slice(lost);
    REQUIRE(std::holds_alternative<SnapshotAssembly::ReadSlice>(again));
    CHECK(std::get<SnapshotAssembly::ReadSlice>(again).start == 0);
    CHECK(assembly.attempts() == 2);
  }
  SECTION("the epoch changed between slices") {
    SnapshotAssembly assembly;
    assembly.start();
    assembly.on_slice(slice(9, 1, false, {agent("a", "offline")}));
    auto again = assembly.on_slice(slice(1, 2, true, {agent("b", "offline")}, "e2"));
    REQUIRE(std::holds_alternative<SnapshotAssembly::ReadSlice>(again));
    CHECK(std::get<SnapshotAssembly::ReadSlice>(again).start == 0);
  }
  SECTION("the stream no longer holds the events between") {
    SnapshotAssembly assembly;
    assembly.start();
    assembly.on_slice(slice(1, 1, false, {agent("a", "offline")}));
    assembly.on_slice(slice(50, 2, true, {agent("b", "offline")}));
    SnapshotEvents trimmed;
    trimmed.epoch = "e1";
    trimmed.complete = false;
    REQUIRE(std::holds_alternative<SnapshotAssembly::ReadSlice>(assembly.on_events(trimmed)));
    // A gap in the events is the same.
    assembly.on_slice(slice(1, 1, false, {agent("a", "offline")}));
    assembly.on_slice(slice(4, 2, true, {agent("b", "offline")}));
    SnapshotEvents gap;
    gap.epoch = "e1";
    gap.events = {chat(2), chat(4)};
    REQUIRE(std::holds_alternative<SnapshotAssembly::ReadSlice>(assembly.on_events(gap)));
  }
  SECTION("after the last attempt it gives up") {
    SnapshotAssembly assembly;
    SnapshotAssembly::Action action = assembly.start();
    for (int i = 0; i < SnapshotAssembly::kAttempts; ++i) {
      REQUIRE(std::holds_alternative<SnapshotAssembly::ReadSlice>(action));
      assembly.on_slice(slice(1, 1, false, {agent("a", "offline")}));
      auto lost = slice(2, 0, false, {});
      lost.anchor_lost = true;
      action = assembly.on_slice(lost);
    }
    CHECK(std::holds_alternative<SnapshotAssembly::GiveUp>(action));
  }
}
