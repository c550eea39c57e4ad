#pragma once
// The kernel's floor for fan-out on this machine: a loop that does nothing but one send(2) of an
// event-sized WebSocket frame to each of N connected loopback sockets, with a child process
// reading them all. No server could deliver one event to N TCP receivers with less CPU or in less
// time than this loop, so it bounds what the fan-out and transition figures can reach here.

#include <string>

#include "config.hpp"

namespace mi::bench {

// Uses config.watchers (receivers), config.events, config.rate, config.sources.
std::string run_send_floor(const Config& config);

}  // namespace mi::bench
