#include "config.hpp"

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <sstream>
#include <stdexcept>

namespace mi::bench {
namespace {

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  std::string item;
  while (std::getline(in, item, ',')) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

[[noreturn]] void usage(const std::string& why) {
  std::cerr << "mi-loadgen: " << why << "\n"
            << "usage: mi-loadgen MODE --hub H:P[,H:P...] [--source IP,...] [flags]\n"
            << "modes: invites onboard agents snapshot flood transitions watch fanout send-floor floor-server (see docs/benchmarks.md)\n";
  std::exit(2);
}

}  // namespace

Config parse_config(int argc, char** argv) {
  if (argc < 2) usage("missing mode");
  Config c;
  c.mode = argv[1];
  for (int i = 2; i < argc; ++i) {
    std::string flag = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage("missing value of " + flag);
      return argv[++i];
    };
    if (flag == "--hub") c.hubs = split(value());
    else if (flag == "--source") c.sources = split(value());
    else if (flag == "--admin-token") c.admin_token = value();
    else if (flag == "--colony") c.colony = value();
    else if (flag == "--tokens") c.tokens_file = value();
    else if (flag == "--out") c.out_file = value();
    else if (flag == "--name-prefix") c.name_prefix = value();
    else if (flag == "--offset") c.offset = std::stoull(value());
    else if (flag == "--count") c.count = std::stoull(value());
    else if (flag == "--watchers") c.watchers = std::stoull(value());
    else if (flag == "--concurrency") c.concurrency = std::stoull(value());
    else if (flag == "--heartbeat") c.heartbeat_s = std::stod(value());
    else if (flag == "--duration") c.duration_s = std::stod(value());
    else if (flag == "--rate") c.rate = std::stod(value());
    else if (flag == "--hold-ms") c.hold_ms = std::stod(value());
    else if (flag == "--events") c.events = std::stoull(value());
    else if (flag == "--repeat") c.repeat = std::max<std::uint64_t>(1, std::stoull(value()));
    else if (flag == "--batch") c.batch = std::stoull(value());
    else if (flag == "--event-bytes") c.event_bytes = std::stoull(value());
    else if (flag == "--flush-us") c.flush_us = std::stod(value());
    else if (flag == "--redis") c.redis = value();
    else if (flag == "--read-every-ms") c.read_every_ms = std::stod(value());
    else if (flag == "--barrier") c.barrier = true;
    else if (flag == "--reconnect") c.reconnect = true;
    else if (flag == "--minimal-hello") c.minimal_hello = true;
    else if (flag == "--tls") c.tls = true;
    else if (flag == "--ca-file") c.ca_file = value();
    else if (flag == "--tls-resume") c.tls_resume = true;
    else usage("unknown flag " + flag);
  }
  if (c.hubs.empty() && c.mode != "send-floor") usage("--hub is required");
  if (c.tls && c.mode != "agents") usage("--tls is for the agents mode");
  if ((c.tls_resume || !c.ca_file.empty()) && !c.tls) usage("--ca-file and --tls-resume need --tls");
  if (c.sources.empty()) c.sources.push_back("");
  if (c.concurrency == 0) c.concurrency = 1;
  return c;
}

}  // namespace mi::bench
