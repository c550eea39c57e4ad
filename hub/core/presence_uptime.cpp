#include "hub/core/presence_uptime.hpp"

#include <algorithm>

namespace mi::hub {

double online_fraction(std::span<const protocol::PresenceTransition> newest_first, bool online_now,
                       std::int64_t joined_at, std::int64_t now, std::int64_t window_ms) {
  const std::int64_t start = std::max(now - window_ms, joined_at);
  if (start >= now) return online_now ? 1.0 : 0.0;

  std::int64_t online_ms = 0;
  std::int64_t span_end = now;  // the end of the span whose status the next transition set
  bool covered = false;
  for (const auto& transition : newest_first) {
    const std::int64_t span_start = std::clamp(transition.ts, start, span_end);
    if (transition.online) online_ms += span_end - span_start;
    span_end = span_start;
    if (transition.ts <= start) {
      covered = true;
      break;
    }
  }
  if (!covered) {
    const bool before = newest_first.empty() ? online_now : !newest_first.back().online;
    if (before) online_ms += span_end - start;
  }
  return static_cast<double>(online_ms) / static_cast<double>(now - start);
}

protocol::UptimeWindows uptime_windows(std::span<const protocol::PresenceTransition> newest_first, bool online_now,
                                       std::int64_t joined_at, std::int64_t now) {
  return {online_fraction(newest_first, online_now, joined_at, now, kHourMs),
          online_fraction(newest_first, online_now, joined_at, now, kDayMs),
          online_fraction(newest_first, online_now, joined_at, now, kWeekMs)};
}

}  // namespace mi::hub
