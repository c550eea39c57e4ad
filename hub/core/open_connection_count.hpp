#pragma once
// Keeps the open-connection gauge (and with it --max-connections) right however a connection
// ends: one is held by the HTTP connection, then by the WebSocket session it becomes.

#include "hub/core/metrics.hpp"

namespace mi::hub {

class OpenConnectionCount {
 public:
  explicit OpenConnectionCount(Metrics& metrics) : metrics_(metrics) { metrics_.connections_open.fetch_add(1); }
  ~OpenConnectionCount() { metrics_.connections_open.fetch_sub(1); }
  OpenConnectionCount(const OpenConnectionCount&) = delete;
  OpenConnectionCount& operator=(const OpenConnectionCount&) = delete;

 private:
  Metrics& metrics_;
};

}  // namespace mi::hub
