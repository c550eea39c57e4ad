#include "cli/console.hpp"

#include <unistd.h>

#include <iostream>

#include "cli/time_text.hpp"

namespace mi::cli {

bool stdout_is_terminal() { return ::isatty(STDOUT_FILENO) == 1; }

void print_line(std::string_view line) { std::cout << line << std::endl; }

void tell(std::string_view sentence) { std::cerr << sentence << std::endl; }

void report_state(bool json, std::string_view state, std::string_view sentence, JsonObject fields) {
  const std::string time = iso_time(now_ms());
  std::cerr << time << ' ' << sentence << std::endl;
  if (json) print_line(fields.add("time", time).add("state", state).add("message", sentence).text());
}

}  // namespace mi::cli
