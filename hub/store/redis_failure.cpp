#include "hub/store/redis_failure.hpp"

#include <array>

#include "hub/core/log.hpp"

namespace mi::hub {

namespace {
constexpr std::array<std::string_view, 8> kTransientErrorPrefixes = {
    "LOADING", "BUSY", "READONLY", "MASTERDOWN", "OOM", "TRYAGAIN", "CLUSTERDOWN", "NOREPLICAS"};

ApiError unavailable() {
  return {503, "unavailable", "The presence store is unreachable right now; retry in a moment."};
}
}  // namespace

ApiError describe_redis_failure(const std::error_code& ec, const redis::Reply* error_reply) {
  if (ec) return unavailable();
  if (error_reply != nullptr) {
    for (auto prefix : kTransientErrorPrefixes) {
      if (std::string_view(error_reply->str).starts_with(prefix)) return unavailable();
    }
    log::error("redis error reply: ", error_reply->str);
  }
  return {500, "internal", "The hub failed to serve this request; the error is in its log."};
}

ApiError describe_redis_failure(const redis::Result& result) {
  return describe_redis_failure(result.ec, result.reply.is_error() ? &result.reply : nullptr);
}

}  // namespace mi::hub
