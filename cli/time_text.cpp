#include "cli/time_text.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <ctime>

namespace mi::cli {

std::int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::string iso_time(std::int64_t ms_since_epoch) {
  const std::time_t seconds = static_cast<std::time_t>(ms_since_epoch / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  std::array<char, 32> text{};
  const std::size_t length = std::strftime(text.data(), text.size(), "%Y-%m-%dT%H:%M:%SZ", &utc);
  return std::string(text.data(), length);
}

std::string time_ago(std::optional<std::int64_t> ms_since_epoch, std::int64_t now) {
  if (!ms_since_epoch) return "never";
  // A clock a little ahead of ours is still "just now", not a time in the future.
  const std::int64_t seconds = std::max<std::int64_t>(0, (now - *ms_since_epoch) / 1000);
  if (seconds < 1) return "just now";
  if (seconds < 60) return std::to_string(seconds) + "s ago";
  if (seconds < 3600) return std::to_string(seconds / 60) + "m ago";
  if (seconds < 86400) return std::to_string(seconds / 3600) + "h ago";
  return std::to_string(seconds / 86400) + "d ago";
}

std::string duration_text(std::chrono::steady_clock::duration duration) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(duration).count();
  std::array<char, 32> text{};
  if (ms < 10000 && ms % 1000 != 0) {
    std::snprintf(text.data(), text.size(), "%.1fs", static_cast<double>(ms) / 1000.0);
  } else {
    std::snprintf(text.data(), text.size(), "%llds", static_cast<long long>(ms / 1000));
  }
  return text.data();
}

}  // namespace mi::cli
