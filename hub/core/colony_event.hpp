#pragma once
// One event of a colony as the hub routes it: parsed once when it arrives from Redis, then the
// same immutable object (and its WebSocket frame, built once) goes to every local receiver.

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "hub/core/outbound_queue.hpp"

namespace mi::hub {

struct ColonyEvent {
  std::string colony;
  std::uint64_t seq = 0;
  std::string epoch;      // the colony's event history the seq counts in
  std::uint64_t fingerprint = 0;  // a hash of the event's bytes: tells another event under one seq
  bool is_chat = false;   // agents receive only these
  std::string removed_agent;  // a "remove" event: the agent whose sockets every hub closes
  SharedMessage frame;    // a text frame carrying the event JSON exactly as published
};

using SharedEvent = std::shared_ptr<const ColonyEvent>;

// What tells two events under one seq apart: a hash of the bytes the script built (the same
// bytes on the channel and in the stream).
std::uint64_t event_fingerprint(std::string_view json);

// The event published as `json` (from the colony's channel or its stream), framed once; nothing
// when `json` has no event header.
SharedEvent make_colony_event(std::string colony, std::string_view json);

// The frames of consecutive events one after the other: a receiver in step with the feed gets
// them in one write, and the bytes are built once for all such receivers.
SharedMessage join_frames(std::span<const SharedEvent> events);

}  // namespace mi::hub
