#pragma once
// The Lua scripts the hub runs, with their SHA1 so that EVALSHA needs no round trip to load.
// A script named "prelude" is not run on its own: its text is prepended to every other script,
// so that helpers (the AGENT JSON builder, key names) are written once.

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "hub/redis/embedded_scripts.hpp"

namespace mi::redis {

struct Script {
  std::string name;
  std::string text;  // prelude + body, exactly what is sent to SCRIPT LOAD / EVAL
  std::string sha1;  // lower-case hex of SHA1(text)
};

class ScriptSet {
 public:
  explicit ScriptSet(const std::vector<EmbeddedScript>& sources);
  const Script* find(std::string_view name) const;
  const std::map<std::string, Script, std::less<>>& all() const { return scripts_; }

 private:
  std::map<std::string, Script, std::less<>> scripts_;
};

// The scripts compiled into this binary.
const ScriptSet& builtin_scripts();

}  // namespace mi::redis
