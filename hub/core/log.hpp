#pragma once
// One line per record on stderr: time, level, message. Thread-safe; cheap when filtered out.

#include <sstream>
#include <string_view>

namespace mi::hub::log {

enum class Level { debug = 0, info = 1, warn = 2, error = 3 };

void set_level(std::string_view level);
bool enabled(Level level);
void write(Level level, std::string_view message);

template <class... Parts>
void emit(Level level, const Parts&... parts) {
  if (!enabled(level)) return;
  std::ostringstream line;
  (line << ... << parts);
  write(level, line.str());
}

template <class... Parts> void debug(const Parts&... p) { emit(Level::debug, p...); }
template <class... Parts> void info(const Parts&... p) { emit(Level::info, p...); }
template <class... Parts> void warn(const Parts&... p) { emit(Level::warn, p...); }
template <class... Parts> void error(const Parts&... p) { emit(Level::error, p...); }

}  // namespace mi::hub::log
