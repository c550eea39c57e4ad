#pragma once
// Where mi's words go: results on stdout (JSON with --json), sentences about what is happening
// on stderr, each state change of a long-running command with the time it happened.

#include <string_view>

#include "cli/json_output.hpp"

namespace mi::cli {

bool stdout_is_terminal();

// One line on stdout, flushed at once: another program may be reading it as it comes.
void print_line(std::string_view line);

// A sentence for the person at the terminal, on stderr.
void tell(std::string_view sentence);

// A state change of a long-running command: "2026-11-28T16:20:01Z connected as c1/jared" on
// stderr and, with --json, {"time":..,"state":..,"message":..,<fields>} on stdout.
void report_state(bool json, std::string_view state, std::string_view sentence, JsonObject fields = {});

}  // namespace mi::cli
