#pragma once
// Command line of mi-loadgen: one struct, parsed from --flag value pairs.
#include <cstdint>
#include <string>
#include <vector>

namespace mi::bench {

struct Config {
  std::string mode;                  // invites | onboard | agents | snapshot | flood | transitions | watch | fanout | send-floor | floor-server
  std::vector<std::string> hubs;     // HOST:PORT, agents spread round-robin
  std::vector<std::string> sources;  // source addresses, spread round-robin ("" = any)
  std::string admin_token = "bench-admin";
  std::string colony = "bench";
  std::string tokens_file;           // one token per line (agents, flood, transitions, fanout)
  std::string out_file;              // onboard: tokens written here
  std::string name_prefix = "a";
  std::uint64_t offset = 0;          // first line of tokens_file used
  std::uint64_t count = 0;           // agents
  std::uint64_t watchers = 0;        // watchers per hub (transitions, watch) or in all (fanout, send-floor)
  std::uint64_t concurrency = 500;   // connections being opened at once
  double heartbeat_s = 30;           // agents: seconds between heartbeats (0: none)
  double duration_s = 10;            // measured phase
  double rate = 1000;                // transitions: hellos per second; fanout: events per second
  double hold_ms = 50;               // transitions: time an agent stays online
  std::uint64_t events = 100;        // fanout: events sent
  std::uint64_t repeat = 1;          // snapshot: watches one after the other, each on a new connection
  std::uint64_t batch = 64;          // flood: frames per write
  std::uint64_t event_bytes = 300;   // floor-server: bytes of an event's JSON
  double flush_us = 0;               // floor-server: send at most this often (0: every round)
  std::string redis;                 // floor-server: HOST:PORT to route events through (pub/sub)
  double read_every_ms = 0;          // watch: read in rounds this far apart (0: as soon as data comes)
  bool barrier = false;              // print READY and wait for a line on stdin before measuring
  bool reconnect = false;            // agents: reconnect when the socket closes
  bool minimal_hello = false;        // peers: do not require a "welcome" type
  bool tls = false;                  // agents: wss:// (TLS over TCP; tls_client.hpp)
  std::string ca_file;               // agents with --tls: verify the server against this PEM CA (else no verification)
  bool tls_resume = false;           // agents with --tls: keep each agent's session and offer it when it reconnects
};

Config parse_config(int argc, char** argv);

}  // namespace mi::bench
