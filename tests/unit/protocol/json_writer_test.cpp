#include <catch2/catch.hpp>

#include <cstdint>
#include <limits>
#include <string>

#include "protocol/json_writer.hpp"

using namespace mi::protocol;

namespace {

std::string json_string(std::string_view text) {
  std::string out;
  append_json_string(out, text);
  return out;
}

}  // namespace

TEST_CASE("append_json_string quotes plain text unchanged", "[json_writer]") {
  CHECK(json_string("") == R"("")");
  CHECK(json_string("hello world") == R"("hello world")");
  CHECK(json_string("a/b") == R"("a/b")");  // '/' may stay raw
  CHECK(json_string("\x7F") == "\"\x7F\"");  // DEL is not a control character for JSON
}

TEST_CASE("append_json_string escapes quote and backslash", "[json_writer]") {
  CHECK(json_string("say \"hi\"") == R"("say \"hi\"")");
  CHECK(json_string("C:\\dir") == R"("C:\\dir")");
  CHECK(json_string("\\\"") == R"("\\\"")");
}

TEST_CASE("append_json_string escapes every control character", "[json_writer]") {
  const char* const expected[0x20] = {
      R"(\u0000)", R"(\u0001)", R"(\u0002)", R"(\u0003)", R"(\u0004)", R"(\u0005)",
      R"(\u0006)", R"(\u0007)", R"(\b)",     R"(\t)",     R"(\n)",     R"(\u000b)",
      R"(\f)",     R"(\r)",     R"(\u000e)", R"(\u000f)", R"(\u0010)", R"(\u0011)",
      R"(\u0012)", R"(\u0013)", R"(\u0014)", R"(\u0015)", R"(\u0016)", R"(\u0017)",
      R"(\u0018)", R"(\u0019)", R"(\u001a)", R"(\u001b)", R"(\u001c)", R"(\u001d)",
      R"(\u001e)", R"(\u001f)"};
  for (int control = 0; control < 0x20; ++control) {
    INFO("control character " << control);
    const std::string text(1, static_cast<char>(control));
    CHECK(json_string(text) == std::string(1, '"').append(expected[control]).append(1, '"'));
  }
}

TEST_CASE("append_json_string escapes controls in the middle of text", "[json_writer]") {
  CHECK(json_string("line1\nline2\ttab") == R"("line1\nline2\ttab")");
  CHECK(json_string(std::string("a\0b", 3)) == R"("a\u0000b")");
  CHECK(json_string("\r\n") == R"("\r\n")");
}

TEST_CASE("append_json_string passes UTF-8 through but escapes U+2028 and U+2029",
          "[json_writer]") {
  CHECK(json_string("caf\xC3\xA9 \xF0\x9F\x98\x80") == "\"caf\xC3\xA9 \xF0\x9F\x98\x80\"");
  CHECK(json_string("a\xE2\x80\xA8" "b") == R"("a\u2028b")");
  CHECK(json_string("a\xE2\x80\xA9" "b") == R"("a\u2029b")");
  CHECK(json_string("\xE2\x80\xA8\xE2\x80\xA9") == R"("\u2028\u2029")");
  // Neighbours of the separators are ordinary characters.
  CHECK(json_string("\xE2\x80\xA7") == "\"\xE2\x80\xA7\"");  // U+2027
  CHECK(json_string("\xE2\x80\xAA") == "\"\xE2\x80\xAA\"");  // U+202A
  CHECK(json_string("\xE2\x82\xAC") == "\"\xE2\x82\xAC\"");  // U+20AC
}

TEST_CASE("append_json_string appends to what is there", "[json_writer]") {
  std::string out = "[";
  append_json_string(out, "a");
  out.push_back(',');
  append_json_string(out, "b\"");
  out.push_back(']');
  CHECK(out == R"(["a","b\""])");
}

TEST_CASE("append_json_string_or_null", "[json_writer]") {
  std::string out;
  append_json_string_or_null(out, std::nullopt);
  out.push_back(',');
  append_json_string_or_null(out, std::string("x\n"));
  CHECK(out == R"(null,"x\n")");
}

TEST_CASE("append_json_int and append_json_uint write decimal integers", "[json_writer]") {
  std::string out;
  append_json_int(out, 0);
  out.push_back(' ');
  append_json_int(out, -42);
  out.push_back(' ');
  append_json_int(out, 1732800000123);
  out.push_back(' ');
  append_json_int(out, std::numeric_limits<std::int64_t>::min());
  out.push_back(' ');
  append_json_int(out, std::numeric_limits<std::int64_t>::max());
  out.push_back(' ');
  append_json_uint(out, std::numeric_limits<std::uint64_t>::max());
  CHECK(out ==
        "0 -42 1732800000123 -9223372036854775808 9223372036854775807 18446744073709551615");
}

TEST_CASE("append_json_key", "[json_writer]") {
  std::string out = "{";
  append_json_key(out, "seq");
  append_json_int(out, 3);
  out.push_back('}');
  CHECK(out == R"({"seq":3})");
}

TEST_CASE("append_json_bool", "[json_writer]") {
  std::string out;
  append_json_bool(out, true);
  out.push_back(' ');
  append_json_bool(out, false);
  CHECK(out == "true false");
}
