#pragma once
// Why an agent's connection ended: the `reason` of its offline event (docs/protocol.md, section 4).

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

}  // namespace mi::hub
