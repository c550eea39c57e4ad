#include "hub/store/invite_store.hpp"

#include <charconv>

#include "hub/core/clock.hpp"
#include "hub/core/crypto.hpp"
#include "hub/redis/args.hpp"
#include "hub/store/redis_failure.hpp"
#include "protocol/validation.hpp"

namespace mi::hub {

namespace asio = boost::asio;

namespace {
// 26^6 codes: a collision is rare, and ten in a row means something else is wrong.
constexpr int kCodeReservationAttempts = 10;

ApiError not_found(const std::string& code) {
  return {404, "not_found", "There is no invite with code " + code + " in this environment."};
}

std::int64_t to_int64(const std::string& text) {
  std::int64_t value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}
}  // namespace

std::optional<protocol::Invite> InviteStore::invite_from_fields(const redis::Reply& reply,
                                                                std::size_t first) const {
  if (!reply.is_array() || reply.elements.size() < first + 7) return std::nullopt;
  const auto& f = reply.elements;
  protocol::Invite invite;
  invite.code = f[first].str;
  invite.type = f[first + 1].str;
  invite.colony = f[first + 2].str;
  if (!f[first + 3].str.empty()) invite.name = f[first + 3].str;
  invite.status = f[first + 4].str;
  invite.created_at = to_int64(f[first + 5].str);
  if (!f[first + 6].str.empty()) invite.redeemed_by = f[first + 6].str;
  invite.url = invite_url(invite.code);
  return invite;
}

asio::awaitable<Outcome<std::string>> InviteStore::reserve_code(redis::Connection& redis,
                                                                const std::string& colony) {
  for (int attempt = 0; attempt < kCodeReservationAttempts; ++attempt) {
    auto code = random_invite_code();
    auto result = co_await redis.exec(mi::redis::args("SET", keys_.invite_code(code), colony, "NX"));
    if (redis_failed(result)) co_return describe_redis_failure(result);
    if (!result.reply.is_nil()) co_return code;
  }
  co_return ApiError{503, "unavailable", "Could not find a free invite code; retry in a moment."};
}

asio::awaitable<Outcome<protocol::Invite>> InviteStore::create(redis::Connection& redis,
                                                               const std::string& colony,
                                                               const std::string& type,
                                                               const std::optional<std::string>& name) {
  auto code = co_await reserve_code(redis, colony);
  if (auto* error = std::get_if<ApiError>(&code)) co_return *error;
  auto result = co_await redis.eval(
      "create_invite", mi::redis::args(keys_.colony_prefix(colony)),
      mi::redis::args(std::get<std::string>(code), type, name.value_or(""), std::to_string(now_ms()), colony));
  if (redis_failed(result)) co_return describe_redis_failure(result);
  // The set of colonies only feeds the admin panel's list; losing this write loses nothing else.
  co_await redis.exec(mi::redis::args("SADD", keys_.colonies(), colony));
  auto invite = invite_from_fields(result.reply, 0);
  if (!invite) co_return ApiError{500, "internal", "The invite store gave an unexpected reply."};
  co_return *invite;
}

asio::awaitable<Outcome<InviteList>> InviteStore::list(redis::Connection& redis, const std::string& colony,
                                                       std::size_t offset, std::size_t limit) {
  auto result = co_await redis.eval("list_invites", mi::redis::args(keys_.colony_prefix(colony)),
                                    mi::redis::args(std::to_string(offset), std::to_string(limit)));
  if (redis_failed(result)) co_return describe_redis_failure(result);
  const auto& reply = result.reply;
  if (!reply.is_array() || reply.elements.empty()) {
    co_return ApiError{500, "internal", "The invite store gave an unexpected reply."};
  }
  InviteList list;
  list.total = static_cast<std::size_t>(reply.elements[0].integer);
  for (std::size_t i = 1; i < reply.elements.size(); ++i) {
    if (auto invite = invite_from_fields(reply.elements[i], 0)) list.invites.push_back(std::move(*invite));
  }
  co_return list;
}

asio::awaitable<Outcome<std::optional<std::string>>> InviteStore::colony_of(redis::Connection& redis,
                                                                            const std::string& code) {
  auto result = co_await redis.exec(mi::redis::args("GET", keys_.invite_code(code)));
  if (redis_failed(result)) co_return describe_redis_failure(result);
  if (!result.reply.is_string()) co_return std::optional<std::string>{};
  co_return std::optional<std::string>{result.reply.str};
}

asio::awaitable<Outcome<protocol::Invite>> InviteStore::get(redis::Connection& redis, const std::string& code_text) {
  auto code = protocol::normalize_invite_code(code_text);
  if (!code) co_return not_found(code_text);
  auto colony = co_await colony_of(redis, *code);
  if (auto* error = std::get_if<ApiError>(&colony)) co_return *error;
  const auto& found = std::get<std::optional<std::string>>(colony);
  if (!found) co_return not_found(*code);
  auto result = co_await redis.exec(mi::redis::args("HMGET", keys_.colony_invite(*found, *code), "code", "type", "colony",
                                     "name", "status", "created_at", "redeemed_by"));
  if (redis_failed(result)) co_return describe_redis_failure(result);
  if (result.reply.elements.empty() || result.reply.elements[0].is_nil()) co_return not_found(*code);
  auto invite = invite_from_fields(result.reply, 0);
  if (!invite) co_return not_found(*code);
  co_return *invite;
}

asio::awaitable<Outcome<protocol::Invite>> InviteStore::revoke(redis::Connection& redis, const std::string& code_text) {
  auto code = protocol::normalize_invite_code(code_text);
  if (!code) co_return not_found(code_text);
  auto colony = co_await colony_of(redis, *code);
  if (auto* error = std::get_if<ApiError>(&colony)) co_return *error;
  const auto& found = std::get<std::optional<std::string>>(colony);
  if (!found) co_return not_found(*code);
  auto result = co_await redis.eval("revoke_invite", mi::redis::args(keys_.colony_prefix(*found)),
                                    mi::redis::args(*code, std::to_string(now_ms())));
  if (redis_failed(result)) co_return describe_redis_failure(result);
  const auto& reply = result.reply;
  if (!reply.is_array() || reply.elements.empty()) {
    co_return ApiError{500, "internal", "The invite store gave an unexpected reply."};
  }
  const auto& verdict = reply.elements[0].str;
  if (verdict == "not_found") co_return not_found(*code);
  if (verdict == "already_redeemed") {
    auto invite = invite_from_fields(reply, 1);
    co_return ApiError{409, "already_redeemed",
                       "Invite " + *code + " was already redeemed" +
                           (invite && invite->redeemed_by ? " by " + *invite->redeemed_by : "") +
                           "; a redeemed invite cannot be revoked."};
  }
  auto invite = invite_from_fields(reply, 1);
  if (!invite) co_return ApiError{500, "internal", "The invite store gave an unexpected reply."};
  co_return *invite;
}

asio::awaitable<Outcome<protocol::Invite>> InviteStore::onboard_invite(redis::Connection& redis,
                                                                       const std::string& colony,
                                                                       const std::string& session,
                                                                       const std::optional<std::string>& name,
                                                                       std::int64_t session_ttl_seconds) {
  auto code = co_await reserve_code(redis, colony);
  if (auto* error = std::get_if<ApiError>(&code)) co_return *error;
  const auto& candidate = std::get<std::string>(code);
  auto result = co_await redis.eval("onboard_invite", mi::redis::args(keys_.colony_prefix(colony)),
                                    mi::redis::args(session, candidate, std::to_string(now_ms()), colony,
                                     std::to_string(std::max<std::int64_t>(1, session_ttl_seconds)),
                                     name.value_or("")));
  if (redis_failed(result)) co_return describe_redis_failure(result);
  const auto& reply = result.reply;
  if (!reply.is_array() || reply.elements.empty()) {
    co_return ApiError{500, "internal", "The invite store gave an unexpected reply."};
  }
  if (reply.elements[0].str == "existing") {
    // The reserved code was not needed; give it back so that it does not linger as a dead key.
    co_await redis.exec(mi::redis::args("DEL", keys_.invite_code(candidate)));
  } else {
    co_await redis.exec(mi::redis::args("SADD", keys_.colonies(), colony));
  }
  auto invite = invite_from_fields(reply, 1);
  if (!invite) co_return ApiError{500, "internal", "The invite store gave an unexpected reply."};
  co_return *invite;
}

}  // namespace mi::hub
