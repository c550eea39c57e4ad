#pragma once
// Why a Redis command produced no reply. A reply of type error is not one of these: it is a reply.

#include <system_error>

namespace mi::redis {

enum class Errc {
  not_connected = 1,  // no connection right now; the command was not sent
  timed_out,          // sent, but no reply within the command deadline
  connection_lost,    // the connection dropped before the reply came
  overloaded,         // too many commands in flight; not sent
  shut_down,          // the connection was stopped
  unknown_script,     // eval() of a name that is not in the script set
};

const std::error_category& redis_category();
std::error_code make_error_code(Errc e);

}  // namespace mi::redis

template <>
struct std::is_error_code_enum<mi::redis::Errc> : std::true_type {};
