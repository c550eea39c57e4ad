#pragma once
// The Lua files of redis-scripts/, compiled into the binary (see cmake/embed_scripts.cmake).

#include <string_view>
#include <vector>

namespace mi::redis {

struct EmbeddedScript {
  std::string_view name;  // file name without ".lua", e.g. "redeem_invite"
  std::string_view text;
};

const std::vector<EmbeddedScript>& embedded_scripts();

}  // namespace mi::redis
