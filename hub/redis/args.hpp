#pragma once
// Builds a command's argument list. Use it instead of a braced list inside co_await expressions:
// GCC 12 miscompiles std::initializer_list<std::string> of string literals in coroutines
// ("array used as initializer").

#include <string>
#include <utility>
#include <vector>

namespace mi::redis {

template <class... Parts>
std::vector<std::string> args(Parts&&... parts) {
  std::vector<std::string> out;
  out.reserve(sizeof...(parts));
  (out.emplace_back(std::forward<Parts>(parts)), ...);
  return out;
}

}  // namespace mi::redis
