#pragma once
// Why an agent's connection ended: the `reason` of its offline event (docs/protocol.md, section 4).

#include <chrono>
#include <cstdint>
#include <string_view>

namespace mi::hub {

enum class EndReason : std::uint8_t {
  closed,    // a closing handshake, either side's, or a connection that failed or ended
  timeout,   // no frame for --presence-ttl
  drained,   // the hub closed it with 1012 on its way down
  hub_lost,  // the hub that held it died (the sweep of lost hubs)
};

// The reason as events and the agent store spell it.
constexpr std::string_view end_reason_text(EndReason reason) {
  switch (reason) {
    case EndReason::closed:
      return "closed";
    case EndReason::timeout:
      return "timeout";
    case EndReason::drained:
      return "drained";
    case EndReason::hub_lost:
      return "hub_lost";
  }
  return "closed";
}

// How long an agent whose last connection ended this way stays online for a socket of it to come
// back (docs/protocol.md section 7): the whole `grace` unless the agent left on purpose (its close
// frame started the close) or went silent for the presence TTL, which are offline at once.
constexpr std::chrono::milliseconds offline_grace_for(EndReason reason, bool agent_closed,
                                                      std::chrono::milliseconds grace) {
  if (agent_closed || reason == EndReason::timeout) return std::chrono::milliseconds{0};
  return grace;
}

}  // namespace mi::hub
