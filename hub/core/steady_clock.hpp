#pragma once
// Monotonic milliseconds for deadlines: cheap to store per session and immune to clock steps.

#include <chrono>
#include <cstdint>

namespace mi::hub {

inline std::int64_t steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace mi::hub
