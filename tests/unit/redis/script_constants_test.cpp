// The limits written into the Lua prelude when the scripts are loaded (ScriptSet, prelude.lua).
#include <catch2/catch.hpp>

#include <stdexcept>
#include <string>
#include <vector>

#include "hub/redis/script_set.hpp"

using mi::redis::EmbeddedScript;
using mi::redis::ScriptConstant;
using mi::redis::ScriptSet;
using mi::redis::with_constants;

TEST_CASE("a constant replaces the number of its declaration line only", "[script-set]") {
  const std::string prelude =
      "-- local chat_history_length = 5 in a comment stays\n"
      "local chat_history_length = 10000  -- the default\n"
      "local other = 7\n";
  const auto text = with_constants(prelude, {{"chat_history_length", 25}});
  CHECK(text ==
        "-- local chat_history_length = 5 in a comment stays\n"
        "local chat_history_length = 25  -- the default\n"
        "local other = 7\n");
}

TEST_CASE("a constant the prelude does not declare is a bug, found when the scripts are made", "[script-set]") {
  CHECK_THROWS_AS(with_constants("local a = 1\n", {{"missing", 2}}), std::invalid_argument);
}

TEST_CASE("every script gets the prelude with the constants, and so another SHA1", "[script-set]") {
  const std::vector<EmbeddedScript> sources{{"prelude", "local limit = 10\n"}, {"read", "return limit"}};
  const ScriptSet defaults(sources);
  const ScriptSet configured(sources, {{"limit", 3}});
  CHECK(defaults.find("read")->text == "local limit = 10\n\nreturn limit");
  CHECK(configured.find("read")->text == "local limit = 3\n\nreturn limit");
  CHECK(defaults.find("read")->sha1 != configured.find("read")->sha1);
}

TEST_CASE("the built-in prelude declares every limit the hub configures", "[script-set]") {
  const std::vector<ScriptConstant> limits{
      {"presence_history_length", 10}, {"presence_history_ms", 86'400'000}, {"chat_history_length", 1}};
  const ScriptSet configured(mi::redis::embedded_scripts(), limits);
  const auto& text = configured.find("post_chat")->text;
  CHECK(text.find("local chat_history_length = 1 ") != std::string::npos);
  CHECK(text.find("local presence_history_ms = 86400000 ") != std::string::npos);
}
