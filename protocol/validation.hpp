#pragma once
// Shapes of identifiers that the contract fixes. Pure functions, shared by hub and clients.

#include <optional>
#include <string>
#include <string_view>

namespace mi::protocol {

// [A-Za-z0-9_-]{1,64}
bool is_valid_colony_id(std::string_view colony);

// [a-z0-9][a-z0-9._-]{0,62}
bool is_valid_agent_name(std::string_view name);

// [A-Za-z0-9_-]{1,32}: environment names become part of Redis key names.
bool is_valid_env_name(std::string_view env);

// An invite code is 6 letters A-Z; input is case-insensitive. Returns the upper-case form, or
// nothing when the text cannot be a code.
std::optional<std::string> normalize_invite_code(std::string_view code);

// True when the bytes are well-formed UTF-8.
bool is_valid_utf8(std::string_view text);

}  // namespace mi::protocol
