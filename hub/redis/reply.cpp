#include "hub/redis/hiredis_reply.hpp"

namespace mi::redis {

Reply copy_reply(const redisReply& reply) {
  Reply out;
  switch (reply.type) {
    case REDIS_REPLY_STRING:
      out.type = Reply::Type::string;
      out.str.assign(reply.str, reply.len);  // binary-safe: may hold NUL bytes
      break;
    case REDIS_REPLY_STATUS:
      out.type = Reply::Type::status;
      out.str.assign(reply.str, reply.len);
      break;
    case REDIS_REPLY_ERROR:
      out.type = Reply::Type::error;
      out.str.assign(reply.str, reply.len);
      break;
    case REDIS_REPLY_INTEGER:
      out.type = Reply::Type::integer;
      out.integer = reply.integer;
      break;
    case REDIS_REPLY_ARRAY:
      out.type = Reply::Type::array;
      out.elements.reserve(reply.elements);
      // hiredis bounds the nesting depth of what it parses, so the recursion is bounded too.
      for (std::size_t i = 0; i < reply.elements; ++i) out.elements.push_back(copy_reply(*reply.element[i]));
      break;
    case REDIS_REPLY_NIL:
    default:
      out.type = Reply::Type::nil;
      break;
  }
  return out;
}

Reply make_error_reply(std::string message) {
  Reply out;
  out.type = Reply::Type::error;
  out.str = std::move(message);
  return out;
}

}  // namespace mi::redis
