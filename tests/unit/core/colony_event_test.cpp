#include <catch2/catch.hpp>

#include "hub/core/colony_event.hpp"
#include "protocol/websocket_frame.hpp"
#include "tests/support/client_frames.hpp"

using mi::hub::make_colony_event;
using mi::hub::SharedEvent;
namespace websocket = mi::protocol::websocket;

namespace {
std::string online_event(std::uint64_t seq) {
  // The head in the order the Redis scripts write it (protocol/event_header.hpp).
  return R"({"type":"event","colony":"c1","seq":)" + std::to_string(seq) +
         R"(,"epoch":"e1","ts":1700000000000,"event":"online","agent":{"id":"a)" + std::to_string(seq) + R"("}})";
}
}  // namespace

TEST_CASE("an event is framed once, as the exact JSON published", "[colony_event]") {
  auto event = make_colony_event("c1", online_event(7));
  REQUIRE(event != nullptr);
  CHECK(event->seq == 7);
  CHECK(event->epoch == "e1");
  CHECK_FALSE(event->is_chat);
  // Another event under the same seq has another fingerprint; the same bytes have the same one.
  CHECK(event->fingerprint == make_colony_event("c1", online_event(7))->fingerprint);
  auto other = online_event(7);
  other.replace(other.find("online"), 6, "update");
  CHECK(event->fingerprint != make_colony_event("c1", other)->fingerprint);
  CHECK(*event->frame == websocket::encode_text_frame(online_event(7)));
  CHECK_FALSE(make_colony_event("c1", R"({"type":"hello"})"));
}

TEST_CASE("joined frames read back as the same messages, in order", "[colony_event]") {
  std::vector<SharedEvent> events;
  for (std::uint64_t seq = 1; seq <= 5; ++seq) {
    events.push_back(make_colony_event("c1", online_event(seq)));
    REQUIRE(events.back() != nullptr);
  }
  auto joined = mi::hub::join_frames(events);
  auto frames = mi::test::server_frames(*joined);
  REQUIRE(frames.size() == 5);
  for (std::uint64_t seq = 1; seq <= 5; ++seq) {
    CHECK(frames[seq - 1].opcode == 0x1);
    CHECK(frames[seq - 1].payload == online_event(seq));
  }
  std::size_t size = 0;
  for (const auto& event : events) size += event->frame->size();
  CHECK(joined->size() == size);
}
