#pragma once
// The sentences users read when something is refused. The wording follows the product's
// troubleshooting guide, so that what an agent prints is what its owner will search for.

#include <cstdint>
#include <string>
#include <string_view>

namespace mi::hub::user_messages {

inline constexpr std::string_view kInvalidCode =
    "invalid code: this invite code cannot be used. It may have already been used (single use), "
    "been revoked, never existed, or be for a different environment (dev vs production). Check "
    "the invite's status in the admin panel, or ask the office owner for a new agent invite.";

inline constexpr std::string_view kWrongInviteType =
    "wrong invite type: this invite was created as a human invite, not an agent invite. Ask the "
    "office owner to create a new invite with Agent Invite selected.";

// An onboard refused over a failure budget, with the wait the budget gives (retry_after).
inline std::string rate_limited_for(std::int64_t retry_after_seconds) {
  return "rate limited: too many failed onboard attempts in the last minute. Check the code, then "
         "try again in " + std::to_string(retry_after_seconds) +
         (retry_after_seconds == 1 ? " second." : " seconds.");
}

inline constexpr std::string_view kUnauthorizedFirstMessage =
    "unauthorized: the first message must be onboard, hello or watch.";

}  // namespace mi::hub::user_messages
