#include "cli/json_read.hpp"

#include <simdjson.h>

namespace mi::cli {

namespace {

bool member_of(simdjson::dom::parser& parser, std::string_view json, std::string_view key,
               simdjson::dom::element& member) {
  simdjson::dom::element root;
  return parser.parse(json.data(), json.size()).get(root) == simdjson::SUCCESS &&
         root[key].get(member) == simdjson::SUCCESS;
}

}  // namespace

std::optional<std::string> raw_member(std::string_view json, std::string_view key) {
  simdjson::dom::parser parser;
  simdjson::dom::element member;
  if (!member_of(parser, json, key, member)) return std::nullopt;
  return simdjson::minify(member);
}

std::optional<std::vector<std::string>> raw_elements(std::string_view json, std::string_view key) {
  simdjson::dom::parser parser;
  simdjson::dom::element member;
  simdjson::dom::array array;
  if (!member_of(parser, json, key, member) || member.get(array) != simdjson::SUCCESS) return std::nullopt;
  std::vector<std::string> elements;
  for (simdjson::dom::element element : array) elements.push_back(simdjson::minify(element));
  return elements;
}

}  // namespace mi::cli
