#pragma once
// An agent's uptime: the fraction of a window of time it was online, from its presence
// transitions (docs/protocol.md section 7). Reads no clock: `now` is given.
//
// The window is [now - window, now], cut to the time the agent existed (from `joined_at`). The
// agent's status between two transitions is the status the newer-but-one changed to. Before the
// oldest transition given, it is the opposite of that transition's: presence alternates (an
// "online" event only follows offline, an "offline" only online), so this holds whether the
// history goes back further or was trimmed (--history-length, --history-days). With no
// transition at all the agent has had its current status all along. A window in which the agent
// did not exist yet counts as its status now (1 or 0).

#include <cstdint>
#include <span>

#include "protocol/colony_reads.hpp"

namespace mi::hub {

inline constexpr std::int64_t kHourMs = 3'600'000;
inline constexpr std::int64_t kDayMs = 24 * kHourMs;
inline constexpr std::int64_t kWeekMs = 7 * kDayMs;

// `newest_first`: transitions in the order they happened, newest first (their times may be
// slightly out of order when hubs' clocks differ: each span is then cut to be non-negative).
double online_fraction(std::span<const protocol::PresenceTransition> newest_first, bool online_now,
                       std::int64_t joined_at, std::int64_t now, std::int64_t window_ms);

// The 1 h, 24 h and 7 d windows.
protocol::UptimeWindows uptime_windows(std::span<const protocol::PresenceTransition> newest_first, bool online_now,
                                       std::int64_t joined_at, std::int64_t now);

}  // namespace mi::hub
