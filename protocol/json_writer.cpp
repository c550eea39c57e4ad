#include "protocol/json_writer.hpp"

#include <array>
#include <charconv>

namespace mi::protocol {
namespace {

// The escape for a byte that JSON forbids raw inside a string, or empty when it may pass.
std::string_view short_escape(unsigned char byte) {
  switch (byte) {
    case '"': return "\\\"";
    case '\\': return "\\\\";
    case '\b': return "\\b";
    case '\f': return "\\f";
    case '\n': return "\\n";
    case '\r': return "\\r";
    case '\t': return "\\t";
    default: return {};
  }
}

void append_unicode_escape(std::string& out, unsigned char control) {
  constexpr std::string_view kHexDigits = "0123456789abcdef";
  out.append("\\u00");
  out.push_back(kHexDigits[control >> 4]);
  out.push_back(kHexDigits[control & 0x0F]);
}

// U+2028 and U+2029 are legal in JSON but end a line in JavaScript source; escaping them keeps
// the output safe to embed in a <script> block of the web pages.
bool is_line_or_paragraph_separator(std::string_view text, std::size_t at) {
  return at + 2 < text.size() && static_cast<unsigned char>(text[at]) == 0xE2 &&
         static_cast<unsigned char>(text[at + 1]) == 0x80 &&
         (static_cast<unsigned char>(text[at + 2]) == 0xA8 ||
          static_cast<unsigned char>(text[at + 2]) == 0xA9);
}

template <typename Integer>
void append_integer(std::string& out, Integer value) {
  std::array<char, 24> digits{};  // 64 bits need at most 20 characters, with a sign
  const auto result = std::to_chars(digits.data(), digits.data() + digits.size(), value);
  out.append(digits.data(), result.ptr);
}

}  // namespace

void append_json_string(std::string& out, std::string_view text) {
  out.reserve(out.size() + text.size() + 2);
  out.push_back('"');
  // Bytes that need no escape are copied in runs rather than one by one.
  std::size_t run_start = 0;
  for (std::size_t at = 0; at < text.size(); ++at) {
    const auto byte = static_cast<unsigned char>(text[at]);
    const bool separator = is_line_or_paragraph_separator(text, at);
    if (byte >= 0x20 && byte != '"' && byte != '\\' && !separator) {
      continue;
    }
    out.append(text.substr(run_start, at - run_start));
    if (separator) {
      out.append(static_cast<unsigned char>(text[at + 2]) == 0xA8 ? "\\u2028" : "\\u2029");
      at += 2;
    } else if (const std::string_view escape = short_escape(byte); !escape.empty()) {
      out.append(escape);
    } else {
      append_unicode_escape(out, byte);
    }
    run_start = at + 1;
  }
  out.append(text.substr(run_start));
  out.push_back('"');
}

void append_json_string_or_null(std::string& out, const std::optional<std::string>& text) {
  if (text) {
    append_json_string(out, *text);
  } else {
    out.append("null");
  }
}

void append_json_int(std::string& out, std::int64_t value) { append_integer(out, value); }

void append_json_uint(std::string& out, std::uint64_t value) { append_integer(out, value); }

void append_json_bool(std::string& out, bool value) { out.append(value ? "true" : "false"); }

}  // namespace mi::protocol
