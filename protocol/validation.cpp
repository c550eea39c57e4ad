#include "protocol/validation.hpp"

#include <simdjson.h>

namespace mi::protocol {
namespace {

bool is_ascii_digit(char c) { return c >= '0' && c <= '9'; }
bool is_ascii_lower(char c) { return c >= 'a' && c <= 'z'; }
bool is_ascii_upper(char c) { return c >= 'A' && c <= 'Z'; }

// [A-Za-z0-9_-]
bool is_identifier_char(char c) {
  return is_ascii_lower(c) || is_ascii_upper(c) || is_ascii_digit(c) || c == '_' || c == '-';
}

bool is_identifier(std::string_view text, std::size_t max_length) {
  if (text.empty() || text.size() > max_length) {
    return false;
  }
  for (char c : text) {
    if (!is_identifier_char(c)) {
      return false;
    }
  }
  return true;
}

}  // namespace

bool is_valid_colony_id(std::string_view colony) { return is_identifier(colony, 64); }

bool is_valid_env_name(std::string_view env) { return is_identifier(env, 32); }

bool is_valid_agent_name(std::string_view name) {
  constexpr std::size_t kMaxLength = 63;
  if (name.empty() || name.size() > kMaxLength) {
    return false;
  }
  if (!is_ascii_lower(name.front()) && !is_ascii_digit(name.front())) {
    return false;
  }
  for (char c : name.substr(1)) {
    if (!is_ascii_lower(c) && !is_ascii_digit(c) && c != '.' && c != '_' && c != '-') {
      return false;
    }
  }
  return true;
}

std::optional<std::string> normalize_invite_code(std::string_view code) {
  constexpr std::size_t kCodeLength = 6;
  if (code.size() != kCodeLength) {
    return std::nullopt;
  }
  std::string normalized(code);
  for (char& c : normalized) {
    if (is_ascii_lower(c)) {
      c = static_cast<char>(c - 'a' + 'A');
    } else if (!is_ascii_upper(c)) {
      return std::nullopt;
    }
  }
  return normalized;
}

bool is_valid_utf8(std::string_view text) {
  // simdjson's validator rejects overlong forms, surrogates and code points above U+10FFFF.
  return simdjson::validate_utf8(text.data(), text.size());
}

}  // namespace mi::protocol
