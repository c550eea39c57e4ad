#pragma once
// Pieces of the hub's JSON taken as they are, for output that passes them on unchanged. The
// meaning of a message is read with the protocol's parsers; this only cuts out raw text.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mi::cli {

// The member `key` of the object `json`, minified; nothing when `json` is not an object or
// has no such member.
std::optional<std::string> raw_member(std::string_view json, std::string_view key);

// The elements of the array member `key` of the object `json`, each minified; nothing when
// there is no such array.
std::optional<std::vector<std::string>> raw_elements(std::string_view json, std::string_view key);

}  // namespace mi::cli
