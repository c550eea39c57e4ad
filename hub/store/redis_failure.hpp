#pragma once
// How a failed Redis call is reported to a client. Unreachable or timed out is always
// "unavailable" (safe to retry); so are the error replies a healthy server gives while it cannot
// serve (LOADING, BUSY, READONLY, ...). Anything else is a bug: "internal".

#include <string>
#include <string_view>

#include "hub/core/api_error.hpp"
#include "hub/redis/connection.hpp"

namespace mi::hub {

// True unless the result is a usable reply.
inline bool redis_failed(const redis::Result& result) {
  return result.ec || result.reply.is_error();
}

ApiError describe_redis_failure(const redis::Result& result);
ApiError describe_redis_failure(const std::error_code& ec, const redis::Reply* error_reply);

// A reply not shaped as the script documents: a bug ("internal").
inline ApiError unexpected_reply() { return {500, "internal", "The presence store gave an unexpected reply."}; }

}  // namespace mi::hub
