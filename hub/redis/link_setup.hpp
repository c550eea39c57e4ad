#pragma once
// What makes a new Redis link usable before any caller's command runs on it, and what the
// replies decide: AUTH when the endpoint has credentials, then SELECT when a db other than 0 is
// chosen, then, for a primary found through sentinels, ROLE (it must still be the primary). I/O-free: the Supervisor sends the steps' commands at once and feeds the replies in,
// in order (Redis answers in order).

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "hub/redis/endpoint.hpp"
#include "hub/redis/reply.hpp"

namespace mi::redis::detail {

class LinkSetup {
 public:
  // `select_db`: whether this link runs commands in the endpoint's db (a pub/sub link does not).
  LinkSetup(const Endpoint& endpoint, bool select_db);

  bool empty() const { return commands_.empty(); }
  std::size_t size() const { return commands_.size(); }
  // The commands, in the order they are sent. They hold the password: never log them.
  const std::vector<std::vector<std::string>>& commands() const { return commands_; }

  // Why the link cannot be used, from the reply to command `index`; nothing when that reply is
  // fine. The reason names the step and quotes Redis, never the password.
  std::optional<std::string> refusal(std::size_t index, const Reply& reply) const;

 private:
  std::vector<std::vector<std::string>> commands_;
  std::vector<std::string> step_names_;
  std::optional<std::size_t> role_step_;  // "AUTH as user x", "SELECT 3": what a refusal names
};

}  // namespace mi::redis::detail
