#include "hub/redis/link_setup.hpp"

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
}

std::optional<std::string> LinkSetup::refusal(std::size_t index, const Reply& reply) const {
  if (index >= step_names_.size()) return "an unexpected reply while setting up the link";
  if (reply.is_error()) return "Redis refused " + step_names_[index] + ": " + reply.str;
  return std::nullopt;
}

}  // namespace mi::redis::detail
