#pragma once
// Copying hiredis' reply tree into an owned Reply (hiredis frees its own after the callback).
// Kept out of reply.hpp so that only the files that talk to hiredis see hiredis' headers.

#include <hiredis/hiredis.h>

#include "hub/redis/reply.hpp"

namespace mi::redis {

Reply copy_reply(const redisReply& reply);

// An error reply made on this side, for requests that are refused before reaching Redis.
Reply make_error_reply(std::string message);

}  // namespace mi::redis
