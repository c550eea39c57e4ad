#include "hub/redis/link_setup.hpp"

#include "hub/redis/sentinel_replies.hpp"

namespace mi::redis::detail {

LinkSetup::LinkSetup(const Endpoint& endpoint, bool select_db) {
  if (const auto& credentials = endpoint.credentials) {
    if (credentials->user.empty()) {
      commands_.push_back({"AUTH", credentials->password});
      step_names_.push_back("AUTH with the password of --redis");
    } else {
      commands_.push_back({"AUTH", credentials->user, credentials->password});
      step_names_.push_back("AUTH as user " + credentials->user);
    }
  }
  if (select_db && endpoint.db != 0) {
    commands_.push_back({"SELECT", std::to_string(endpoint.db)});
    step_names_.push_back("SELECT " + std::to_string(endpoint.db));
  }
  // What the sentinels named may have been demoted since they answered: never write to a replica.
  if (endpoint.kind == Endpoint::Kind::sentinel) {
    role_step_ = commands_.size();
    commands_.push_back({"ROLE"});
    step_names_.push_back("ROLE");
  }
}

std::optional<std::string> LinkSetup::refusal(std::size_t index, const Reply& reply) const {
  if (index >= step_names_.size()) return "an unexpected reply while setting up the link";
  if (role_step_ && index == *role_step_) return not_a_primary(reply);
  if (reply.is_error()) return "Redis refused " + step_names_[index] + ": " + reply.str;
  return std::nullopt;
}

}  // namespace mi::redis::detail
