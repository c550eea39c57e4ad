#pragma once
// The Lua scripts the hub runs, with their SHA1 so that EVALSHA needs no round trip to load.
// A script named "prelude" is not run on its own: its text is prepended to every other script,
// so that helpers (the AGENT JSON builder, key names) are written once. Limits that come from the
// hub's flags (how much presence and chat history the scripts keep) are written into the prelude
// when the set is made: each is a line "local <name> = <number>" whose number is replaced, so
// that no script needs an argument for them and the text stays a valid script with its defaults.

#include <cstdint>
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

// A value for the prelude's line "local <name> = <number>".
struct ScriptConstant {
  std::string name;
  std::int64_t value = 0;
};

class ScriptSet {
 public:
  // Throws std::invalid_argument when the prelude has no line for one of `constants` (a bug).
  explicit ScriptSet(const std::vector<EmbeddedScript>& sources, const std::vector<ScriptConstant>& constants = {});
  const Script* find(std::string_view name) const;
  const std::map<std::string, Script, std::less<>>& all() const { return scripts_; }

 private:
  std::map<std::string, Script, std::less<>> scripts_;
};

// The scripts compiled into this binary, with the prelude's own values (the flags' defaults).
const ScriptSet& builtin_scripts();

// The prelude with the number of each "local <name> = <number>" line of `constants` replaced.
std::string with_constants(std::string_view prelude, const std::vector<ScriptConstant>& constants);

}  // namespace mi::redis
