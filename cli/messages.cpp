#include "cli/messages.hpp"

namespace mi::cli {

// A refusal reads first in the product's words ("invalid code"), then the contract's code in
// brackets ("invalid_code"): people read the one, and scripts and searches find the other.

namespace {

std::string hub_said(std::string_view code, std::string_view message) {
  std::string text = "The hub refused the request";
  if (!code.empty()) text += " (" + std::string(code) + ")";
  if (!message.empty()) text += ": " + std::string(message);
  return text;
}

constexpr std::string_view kUnavailable =
    "unavailable: the hub cannot reach its data store (Redis) right now, so nothing was done. This is "
    "temporary: try again in a moment.";

}  // namespace

CommandError unreachable(const NetworkError& error) {
  return refusal("unreachable",
                 "Could not reach the hub at " + error.hub() + " (" + error.detail() +
                     "). Is mi-hub running there? Point mi at the right address with --hub URL or the MI_HUB "
                     "environment variable.");
}

CommandError untrusted_hub(const UntrustedHub& error) {
  return refusal("untrusted_certificate", "The certificate of the hub at " + error.hub() + " failed verification for " +
                                              error.host() + " (" + error.reason() + "), so mi sent nothing to it. " +
                                              error.advice());
}

CommandError hub_not_found(const std::string& hub, const std::string& target) {
  return refusal("hub_not_found",
                 "The hub was not found at " + hub + ": the server there answered HTTP 404 for " + target +
                     ", and no mi-hub answers at that address. Check the path in --hub or MI_HUB: mi-hub serves at "
                     "the root of its address (e.g. http://127.0.0.1:8080) unless a proxy publishes it under a path.");
}

CommandError admin_refusal(const AdminRefusal& refusal_info) {
  const auto& r = refusal_info;
  if (r.status == 401) {
    if (!r.token_given) {
      return refusal("unauthorized",
                     "This command needs the hub's admin token. Pass it with --admin-token TOKEN or the "
                     "MI_ADMIN_TOKEN environment variable (mi-hub prints the token when it starts, unless it "
                     "was given one with its own --admin-token flag).");
    }
    return refusal("unauthorized",
                   "The hub at " + r.hub +
                       " did not accept the admin token (HTTP 401). Check that --admin-token or MI_ADMIN_TOKEN "
                       "holds the token that this hub was started with.");
  }
  if (r.code == "not_found" && r.subject.starts_with("invite ")) {
    return refusal("not_found", "There is no " + r.subject + " on the hub at " + r.hub +
                                    ". Check the code, and that --hub points to the environment (dev or "
                                    "production) where it was created.");
  }
  if (r.code == "already_redeemed") {
    return refusal("already_redeemed", "Cannot revoke " + r.subject +
                                           ": an agent has already redeemed it. A code works only once, so it "
                                           "cannot be used again anyway.");
  }
  if (r.code == "agent_online") {
    return refusal("agent_online", "Cannot remove " + r.subject +
                                       ": it is online. Add --force to remove it anyway and close its connections.");
  }
  if (r.code == "not_found" && r.subject.starts_with("agent ")) {
    return refusal("not_found", "There is no " + r.subject + " on the hub at " + r.hub +
                                    ". mi status --colony ID lists the colony's agents.");
  }
  if (r.code == "unavailable") return refusal("unavailable", std::string(kUnavailable));
  if (r.code == "rate_limited") {
    return refusal("rate_limited", "rate limited (rate_limited): the hub is receiving too many requests. Wait a moment and retry.");
  }
  if (r.code.empty()) {
    return refusal("bad_reply", "The server at " + r.hub + " answered HTTP " + std::to_string(r.status) +
                                    " with no reply that mi understands. Is --hub pointing at mi-hub?");
  }
  return refusal(r.code, hub_said(r.code, r.message));
}

CommandError agent_refusal(const AgentRefusal& r) {
  if (r.code == "invalid_code") {
    return refusal("invalid_code",
                   "invalid code (invalid_code): the hub at " + r.hub + " did not accept invite code " + r.invite_code +
                       ".\n"
                       "  - It may have already been used: each code works only once. Check its status in the "
                       "admin panel.\n"
                       "  - It may have been revoked.\n"
                       "  - It may belong to a different environment (dev vs production): check that --hub "
                       "points to the hub where the invite was created.\n"
                       "Ask the office owner for a new agent invite.");
  }
  if (r.code == "wrong_invite_type") {
    return refusal("wrong_invite_type",
                   "wrong invite type (wrong_invite_type): " + r.invite_code +
                       " was created as a human invite, not an agent invite. Ask the office owner to create a "
                       "new invite with Agent Invite selected (mi invite --colony ID creates one).");
  }
  if (r.code == "rate_limited" && r.invite_code.empty()) {
    // An agent's chat or status, not an onboarding: the hub's sentence says which limit.
    return refusal("rate_limited", "rate limited (rate_limited): " + r.message + " Wait a moment and retry.");
  }
  if (r.code == "rate_limited") {
    return refusal("rate_limited",
                   "rate limited (rate_limited): too many failed onboard attempts from this address in the last minute. Wait "
                   "a minute, check the code, and try again.");
  }
  if (r.code == "unauthorized") {
    return refusal("unauthorized",
                   "unauthorized: the hub at " + r.hub + " no longer accepts the credentials of " + r.agent +
                       " saved in " + r.credentials_file +
                       ". They may belong to another hub or environment, or the agent was removed. Join again "
                       "with a new agent invite: mi agent onboard CODE --force");
  }
  if (r.code == "unavailable") return refusal("unavailable", std::string(kUnavailable));
  if (r.code == "not_allowed") {
    return refusal("not_allowed",
                   "not allowed (not_allowed): " + r.agent +
                       " is a Hosted agent, and only a Remote agent (one that joined with an invite) can clone "
                       "itself. Run mi agent clone with the original agent's credentials.");
  }
  return refusal(r.code.empty() ? "refused" : r.code, hub_said(r.code, r.message));
}

std::string short_refusal(std::string_view code, std::string_view hub_message) {
  if (code == "unavailable") return "the hub's data store is unavailable";
  return hub_said(code, hub_message);
}

}  // namespace mi::cli
