#pragma once
// The floor of the transitions scenario on this machine: a server that does only the I/O every
// server must do for it, and none of the hub's own work. It runs one process per --hub address,
// each with one thread and one epoll, as a hub process with one shard would. Each answers the
// WebSocket upgrade, answers `hello` with a welcome and `watch` with an empty snapshot, and
// writes an online event when an agent says hello and an offline event when it leaves, to its own
// watchers and, over a Unix socket to each other process, to theirs. A round of readiness joins
// its events into one send(2) per watcher, as the hub joins a burst's events. It keeps no state
// beyond its sockets: no Redis, no token check, no JSON parsing beyond the message type.
//
// Driven by the same generator and dashboards as the hub, its delays and CPU are what no server
// with a process per address can beat here: what is left above them is the server's own work.

#include "config.hpp"

namespace mi::bench {

// Prints READY with the server processes' pids, serves until stdin closes (bench/run closes it
// to stop the servers), then prints REPORT with their counts. Uses
// config.hubs (addresses to listen on), config.colony and config.event_bytes (the size of an
// event's JSON, to match the hub's).
int run_floor_server(const Config& config);

}  // namespace mi::bench
