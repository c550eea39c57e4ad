#pragma once
// A hub process's name in the Redis registry of hubs, and what a liveness beat's reply means for
// the sessions it holds. Pure: no I/O, no clock.
//
// A process registers as "<hub id>#<nonce>", with a nonce new at every start. Two processes under
// one --hub-id (a pod or a unit restarted with the host name as its id) are then two instances:
// the connections a killed process left behind stay listed under its own instance, whose
// liveness key expires and which a sweep claims as lost, instead of being kept alive by its
// successor's beats.

#include <cstdint>
#include <string>
#include <string_view>

namespace mi::hub {

inline constexpr char kInstanceSeparator = '#';
inline constexpr std::size_t kInstanceNonceLength = 12;

// "<hub id>#<nonce>"; `nonce` has kInstanceNonceLength characters (base64url of 9 random bytes).
std::string make_hub_instance(std::string_view hub_id, std::string_view nonce);

// A new instance of `hub_id`, with a random nonce.
std::string new_hub_instance(std::string_view hub_id);

// The hub id an instance name was made from; empty when the name is not of that form.
std::string_view hub_id_of_instance(std::string_view instance);

// Whether a hub must mark the agents it holds again after a liveness beat. The beat's reply says
// whether the beat registered the instance anew (its registration was gone: a sweep claimed it,
// or Redis lost its data) and how many times sweeps have claimed the instance so far. The count
// lives in Redis, so a claim is noticed even when the reply of the beat that followed it was
// lost (a command that timed out during a stall and ran when Redis came back).
class ClaimWatch {
 public:
  bool reassert_after_beat(bool registered_now, std::uint64_t times_claimed, bool holds_agents) {
    // A count that moved either way is news: up, a claim; down, Redis lost what it held.
    const bool claimed_since = times_claimed != claims_seen_;
    claims_seen_ = times_claimed;
    return holds_agents && (registered_now || claimed_since);
  }

 private:
  std::uint64_t claims_seen_ = 0;
};

}  // namespace mi::hub
