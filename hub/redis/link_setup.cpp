#include "hub/redis/link_setup.hpp"

#include <string_view>

#include "hub/redis/sentinel_replies.hpp"

namespace mi::redis::detail {

LinkSetup::LinkSetup(const Endpoint& endpoint, bool select_db, bool identify_server) {
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
  if (identify_server) {
    identity_step_ = commands_.size();
    commands_.push_back({"INFO", "server"});
    step_names_.push_back("INFO server");
  }
}

std::optional<std::string> LinkSetup::refusal(std::size_t index, const Reply& reply) const {
  if (index >= step_names_.size()) return "an unexpected reply while setting up the link";
  if (role_step_ && index == *role_step_) return not_a_primary(reply);
  if (is_identity_step(index)) return std::nullopt;
  if (reply.is_error()) return "Redis refused " + step_names_[index] + ": " + reply.str;
  return std::nullopt;
}

std::string run_id_of(const Reply& info) {
  if (info.is_error()) return {};
  // Lines of "field:value", CRLF-terminated.
  constexpr std::string_view field = "run_id:";
  const std::string_view text = info.str;
  for (std::size_t start = 0; start < text.size();) {
    auto end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    auto line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.substr(0, field.size()) == field) return std::string(line.substr(field.size()));
    start = end + 1;
  }
  return {};
}

}  // namespace mi::redis::detail
