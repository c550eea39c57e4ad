#pragma once
// Reading one value out of a JSON text by JSON Pointer (RFC 6901), for test assertions.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mi::test {

// The value at `pointer` as a string: strings unquoted, numbers, true/false/null and containers as
// minified JSON. Nothing when the text is not JSON or the pointer leads nowhere.
std::optional<std::string> json_at(std::string_view json, std::string_view pointer);

// The size of the array at `pointer`, or -1.
long json_array_size(std::string_view json, std::string_view pointer);

}  // namespace mi::test
