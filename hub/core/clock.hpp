#pragma once
// Wall-clock milliseconds, as every timestamp on the wire is.

#include <chrono>
#include <cstdint>

namespace mi::hub {

inline std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace mi::hub
