#pragma once
// Preparing agents: invites over the HTTP admin API (keep-alive), then `onboard` over WebSocket.
#include <string>
#include <vector>

#include "config.hpp"

namespace mi::bench {

// Creates `count` agent invites in the colony (8 keep-alive connections per hub, up to 64);
// returns their codes. Prints `PROGRESS {"invites":..,"onboarded":..}` every 10,000.
std::vector<std::string> create_invites(const Config& config, std::size_t count);

// Creates invites, onboards config.count agents named <prefix><i> (concurrency-limited), writes
// their tokens to config.out_file, one a line. Returns the report JSON.
std::string run_onboard(const Config& config);

}  // namespace mi::bench
