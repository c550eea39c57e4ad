#pragma once
// Invites in Redis: create, list, read, revoke, and the onboarding page's per-session invite.
// Redemption is part of onboarding (hub/store/agent_store.hpp).

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "hub/core/api_error.hpp"
#include "hub/store/keys.hpp"
#include "hub/redis/connection.hpp"
#include "protocol/server_message.hpp"

namespace mi::hub {

struct InviteList {
  std::size_t total = 0;
  std::vector<protocol::Invite> invites;  // newest first
};

class InviteStore {
 public:
  InviteStore(const Keys& keys, std::string public_url)
      : keys_(keys), public_url_(std::move(public_url)) {}

  boost::asio::awaitable<Outcome<protocol::Invite>> create(redis::Connection& redis,
                                                           const std::string& colony,
                                                           const std::string& type,
                                                           const std::optional<std::string>& name);

  boost::asio::awaitable<Outcome<InviteList>> list(redis::Connection& redis, const std::string& colony,
                                                   std::size_t offset, std::size_t limit);

  // not_found (404) when there is no such code in this environment.
  boost::asio::awaitable<Outcome<protocol::Invite>> get(redis::Connection& redis, const std::string& code);

  // already_redeemed (409), not_found (404).
  boost::asio::awaitable<Outcome<protocol::Invite>> revoke(redis::Connection& redis, const std::string& code);

  // The same active agent invite for one onboarding session until it is redeemed or revoked.
  // `name` names the invite when a new one is made (the existing one keeps its own).
  boost::asio::awaitable<Outcome<protocol::Invite>> onboard_invite(redis::Connection& redis,
                                                                   const std::string& colony,
                                                                   const std::string& session,
                                                                   const std::optional<std::string>& name,
                                                                   std::int64_t session_ttl_seconds);

  // The colony a code belongs to, or nothing (unknown code). Redis failures as ApiError.
  boost::asio::awaitable<Outcome<std::optional<std::string>>> colony_of(redis::Connection& redis,
                                                                        const std::string& code);

  // Builds an Invite from the flat field array the scripts return, starting at `first`.
  std::optional<protocol::Invite> invite_from_fields(const redis::Reply& reply, std::size_t first) const;

  std::string invite_url(const std::string& code) const { return public_url_ + "/r/" + code; }

 private:
  // Reserves a fresh code for `colony` system-wide; codes are never reused.
  boost::asio::awaitable<Outcome<std::string>> reserve_code(redis::Connection& redis, const std::string& colony);

  const Keys& keys_;
  std::string public_url_;
};

}  // namespace mi::hub
