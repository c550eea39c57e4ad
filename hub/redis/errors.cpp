#include "hub/redis/errors.hpp"

#include <string>

namespace mi::redis {
namespace {

class RedisCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "mi.redis"; }

  std::string message(int value) const override {
    switch (static_cast<Errc>(value)) {
      case Errc::not_connected:
        return "not connected to Redis; the command was not sent";
      case Errc::timed_out:
        return "no reply from Redis within the command deadline";
      case Errc::connection_lost:
        return "the Redis connection was lost before the reply came";
      case Errc::overloaded:
        return "too many Redis commands in flight; the command was not sent";
      case Errc::shut_down:
        return "the Redis connection was stopped";
      case Errc::unknown_script:
        return "no Lua script of that name in the script set";
    }
    return "unknown mi.redis error " + std::to_string(value);
  }
};

}  // namespace

const std::error_category& redis_category() {
  static const RedisCategory category;
  return category;
}

std::error_code make_error_code(Errc e) { return {static_cast<int>(e), redis_category()}; }

}  // namespace mi::redis
