#pragma once
// Helpers shared by the two parsers (client_message.cpp, server_message_parser.cpp); not for
// use outside protocol/. simdjson's on-demand API skips the values it is not asked for without
// checking them, so these helpers walk every value: "valid JSON" then holds for the whole frame.

#include <charconv>
#include <optional>
#include <string>
#include <string_view>

#include <simdjson.h>

namespace mi::protocol::detail {

// A copy of the input followed by the SIMDJSON_PADDING bytes that simdjson may read past its
// end. The storage only grows, so a long-lived reader stops allocating once warm. The padding is
// zeroed for each input: simdjson reads it, and what it holds can change simdjson's error (a '}'
// there makes it check the brackets' balance), so leftover bytes of a longer input would make
// the answer depend on what was parsed before.
class PaddedBuffer {
 public:
  simdjson::padded_string_view pad(std::string_view text);

 private:
  std::string storage_;
};

// The text of a scalar value as written in the input, without the whitespace that follows it.
// Does not consume the value.
std::string_view token_text(simdjson::ondemand::value& value);

// True when `token` is a number by RFC 8259's grammar (simdjson rejects some valid ones, such as
// 1e400, and the parsers only need the text).
bool is_json_number(std::string_view token);

// The integer written in `token` (already checked by is_json_number), or nothing when it has a
// fraction or an exponent or does not fit `Integer`.
template <typename Integer>
std::optional<Integer> integer_from_token(std::string_view token) {
  Integer number{};
  const char* end = token.data() + token.size();
  const auto [stop, error] = std::from_chars(token.data(), end, number);
  if (error != std::errc{} || stop != end) {
    return std::nullopt;
  }
  return number;
}

// Checks the whole value, to the innermost element. When `out` is given, appends the value to it
// minified: whitespace dropped, strings and keys re-escaped by append_json_string, numbers and
// literals as written. Errors are simdjson's, plus DEPTH_ERROR when arrays and objects nest more
// than kMaxNesting levels (the value itself being the first), which bounds the recursion.
inline constexpr int kMaxNesting = 64;
simdjson::error_code copy_json(simdjson::ondemand::value value, std::string* out);

inline simdjson::error_code validate_json(simdjson::ondemand::value value) {
  return copy_json(value, nullptr);
}

// Reads a request id, which must be a JSON string or number: `raw` gets its exact text (a string
// with its quotes and escapes). Any other type leaves `raw` empty; the value is still checked
// and its JSON errors returned.
simdjson::error_code read_raw_id(simdjson::ondemand::value value,
                                 std::optional<std::string_view>& raw);

// False when something follows the root value, as in `{} {}` (simdjson 3.0's document has no
// at_end()).
bool at_document_end(simdjson::ondemand::document& document);

}  // namespace mi::protocol::detail
