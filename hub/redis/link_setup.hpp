#pragma once
// What makes a new Redis link usable before any caller's command runs on it, and what the
// replies decide: AUTH when the endpoint has credentials, then SELECT when a db other than 0 is
// chosen, then, for a primary found through sentinels, ROLE (it must still be the primary), and
// for a command link INFO server, whose run_id tells which server the link reached
// (server_identity.hpp). I/O-free: the Supervisor sends the steps' commands at once and feeds the
// replies in, in order (Redis answers in order).

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
  // `identify_server`: whether to learn the server's run_id.
  LinkSetup(const Endpoint& endpoint, bool select_db, bool identify_server = false);

  bool empty() const { return commands_.empty(); }
  std::size_t size() const { return commands_.size(); }
  // The commands, in the order they are sent. They hold the password: never log them.
  const std::vector<std::vector<std::string>>& commands() const { return commands_; }

  // Why the link cannot be used, from the reply to command `index`; nothing when that reply is
  // fine. The reason names the step and quotes Redis, never the password.
  std::optional<std::string> refusal(std::size_t index, const Reply& reply) const;

  // Whether command `index` is INFO server. Its reply never refuses the link: an ACL user may not
  // be allowed INFO, and the server is then unknown.
  bool is_identity_step(std::size_t index) const { return identity_step_ && index == *identity_step_; }

 private:
  std::vector<std::vector<std::string>> commands_;
  std::vector<std::string> step_names_;
  std::optional<std::size_t> role_step_;
  std::optional<std::size_t> identity_step_;  // "AUTH as user x", "SELECT 3": what a refusal names
};

// The run_id in a reply to INFO server; empty when the reply holds none (an error reply).
std::string run_id_of(const Reply& info);

}  // namespace mi::redis::detail
