#include "tests/support/json_pointer.hpp"

#include <simdjson.h>

namespace mi::test {

std::optional<std::string> json_at(std::string_view json, std::string_view pointer) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(json.data(), json.size()).get(root) != simdjson::SUCCESS) return std::nullopt;
  simdjson::dom::element value;
  if (root.at_pointer(pointer).get(value) != simdjson::SUCCESS) return std::nullopt;
  if (value.is_string()) return std::string(value.get_string().value());
  return simdjson::minify(value);
}

long json_array_size(std::string_view json, std::string_view pointer) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(json.data(), json.size()).get(root) != simdjson::SUCCESS) return -1;
  simdjson::dom::array array;
  if (root.at_pointer(pointer).get_array().get(array) != simdjson::SUCCESS) return -1;
  return static_cast<long>(array.size());
}

}  // namespace mi::test
