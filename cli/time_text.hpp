#pragma once
// Times and durations as people read them: "2026-11-28T16:20:01Z", "12s ago", "0.7s".

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace mi::cli {

// Milliseconds since the epoch, now (the unit of every timestamp in the contract).
std::int64_t now_ms();

// ISO 8601 in UTC, to the second: "2026-11-28T16:20:01Z".
std::string iso_time(std::int64_t ms_since_epoch);

// "just now", "12s ago", "5m ago", "3h ago", "2d ago"; "never" when there is no time.
std::string time_ago(std::optional<std::int64_t> ms_since_epoch, std::int64_t now);

// A short duration: "0.7s", "12s", "20s".
std::string duration_text(std::chrono::steady_clock::duration duration);

}  // namespace mi::cli
