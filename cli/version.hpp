#pragma once

#include <string_view>

namespace mi::cli {

// Kept equal to the project's VERSION in CMakeLists.txt.
inline constexpr std::string_view kVersion = "0.1.0";

}  // namespace mi::cli
