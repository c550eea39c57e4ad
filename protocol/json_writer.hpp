#pragma once
// Minimal JSON building into a std::string: the server serializes each message exactly once, so
// this favours one growing buffer over a DOM.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mi::protocol {

// Appends `text` as a JSON string literal (with quotes), escaping as RFC 8259 requires.
void append_json_string(std::string& out, std::string_view text);

// Appends a JSON string, or null when absent.
void append_json_string_or_null(std::string& out, const std::optional<std::string>& text);

void append_json_int(std::string& out, std::int64_t value);

void append_json_uint(std::string& out, std::uint64_t value);

void append_json_bool(std::string& out, bool value);

// Appends `"key":` (key must not need escaping).
inline void append_json_key(std::string& out, std::string_view key) {
  out.push_back('"');
  out.append(key);
  out.append("\":");
}

}  // namespace mi::protocol
