#include <catch2/catch.hpp>

#include <string>

#include "protocol/validation.hpp"

using namespace mi::protocol;

TEST_CASE("colony ids are [A-Za-z0-9_-]{1,64}", "[validation]") {
  CHECK(is_valid_colony_id("c1"));
  CHECK(is_valid_colony_id("A-b_9"));
  CHECK(is_valid_colony_id("-"));
  CHECK(is_valid_colony_id(std::string(64, 'x')));
  CHECK_FALSE(is_valid_colony_id(""));
  CHECK_FALSE(is_valid_colony_id(std::string(65, 'x')));
  CHECK_FALSE(is_valid_colony_id("a.b"));
  CHECK_FALSE(is_valid_colony_id("a b"));
  CHECK_FALSE(is_valid_colony_id("a/b"));
  CHECK_FALSE(is_valid_colony_id("caf\xC3\xA9"));
  CHECK_FALSE(is_valid_colony_id(std::string("a\0b", 3)));
}

TEST_CASE("agent names are [a-z0-9][a-z0-9._-]{0,62}", "[validation]") {
  CHECK(is_valid_agent_name("a"));
  CHECK(is_valid_agent_name("7"));
  CHECK(is_valid_agent_name("jared"));
  CHECK(is_valid_agent_name("jared-2"));
  CHECK(is_valid_agent_name("a.b_c-d"));
  CHECK(is_valid_agent_name("a" + std::string(62, 'z')));
  CHECK_FALSE(is_valid_agent_name(""));
  CHECK_FALSE(is_valid_agent_name("a" + std::string(63, 'z')));
  CHECK_FALSE(is_valid_agent_name("Jared"));
  CHECK_FALSE(is_valid_agent_name("jAred"));
  CHECK_FALSE(is_valid_agent_name("-jared"));
  CHECK_FALSE(is_valid_agent_name(".jared"));
  CHECK_FALSE(is_valid_agent_name("_jared"));
  CHECK_FALSE(is_valid_agent_name("ja red"));
  CHECK_FALSE(is_valid_agent_name("ja/red"));
  CHECK_FALSE(is_valid_agent_name("j\xC3\xA9"));
}

TEST_CASE("env names are [A-Za-z0-9_-]{1,32}", "[validation]") {
  CHECK(is_valid_env_name("production"));
  CHECK(is_valid_env_name("Test_env-2"));
  CHECK(is_valid_env_name(std::string(32, 'e')));
  CHECK_FALSE(is_valid_env_name(""));
  CHECK_FALSE(is_valid_env_name(std::string(33, 'e')));
  CHECK_FALSE(is_valid_env_name("prod:1"));
  CHECK_FALSE(is_valid_env_name("a{b}"));
}

TEST_CASE("invite codes are six letters, normalized to upper case", "[validation]") {
  CHECK(normalize_invite_code("JCVCFB") == std::optional<std::string>("JCVCFB"));
  CHECK(normalize_invite_code("jcvcfb") == std::optional<std::string>("JCVCFB"));
  CHECK(normalize_invite_code("JcVcFb") == std::optional<std::string>("JCVCFB"));
  CHECK(normalize_invite_code("AZazAZ") == std::optional<std::string>("AZAZAZ"));
  CHECK_FALSE(normalize_invite_code(""));
  CHECK_FALSE(normalize_invite_code("JCVCF"));
  CHECK_FALSE(normalize_invite_code("JCVCFBX"));
  CHECK_FALSE(normalize_invite_code("JCVCF1"));
  CHECK_FALSE(normalize_invite_code("JCV CF"));
  CHECK_FALSE(normalize_invite_code("JCVCF@"));  // '@' is just before 'A'
  CHECK_FALSE(normalize_invite_code("JCVCF["));  // '[' is just after 'Z'
  CHECK_FALSE(normalize_invite_code("JCVCF`"));  // '`' is just before 'a'
  CHECK_FALSE(normalize_invite_code("JCVCF{"));  // '{' is just after 'z'
  CHECK_FALSE(normalize_invite_code("JCV\xC3\x89" "F"));
}

TEST_CASE("is_valid_utf8 accepts well-formed UTF-8 only", "[validation]") {
  CHECK(is_valid_utf8(""));
  CHECK(is_valid_utf8("plain ascii"));
  CHECK(is_valid_utf8("caf\xC3\xA9"));               // U+00E9
  CHECK(is_valid_utf8("\xE2\x82\xAC"));              // U+20AC
  CHECK(is_valid_utf8("\xED\x9F\xBF"));              // U+D7FF, just below the surrogates
  CHECK(is_valid_utf8("\xEE\x80\x80"));              // U+E000, just above them
  CHECK(is_valid_utf8("\xF0\x9F\x98\x80"));          // U+1F600
  CHECK(is_valid_utf8("\xF4\x8F\xBF\xBF"));          // U+10FFFF
  CHECK(is_valid_utf8(std::string("nul\0inside", 10)));

  CHECK_FALSE(is_valid_utf8("\x80"));                // lone continuation byte
  CHECK_FALSE(is_valid_utf8("\xC3"));                // truncated sequence
  CHECK_FALSE(is_valid_utf8("\xE2\x82"));            // truncated sequence
  CHECK_FALSE(is_valid_utf8("\xC0\xAF"));            // overlong '/'
  CHECK_FALSE(is_valid_utf8("\xC1\xBF"));            // overlong
  CHECK_FALSE(is_valid_utf8("\xE0\x80\xAF"));        // overlong, three bytes
  CHECK_FALSE(is_valid_utf8("\xF0\x80\x80\xAF"));    // overlong, four bytes
  CHECK_FALSE(is_valid_utf8("\xED\xA0\x80"));        // U+D800, a surrogate
  CHECK_FALSE(is_valid_utf8("\xED\xBF\xBF"));        // U+DFFF, a surrogate
  CHECK_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));    // U+110000
  CHECK_FALSE(is_valid_utf8("\xF5\x80\x80\x80"));    // lead byte beyond the range
  CHECK_FALSE(is_valid_utf8("\xFF"));
  CHECK_FALSE(is_valid_utf8("ok\xC3(ok"));           // lead byte followed by ASCII
}
