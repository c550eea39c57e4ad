#include "cli/json_output.hpp"

#include "protocol/json_writer.hpp"

namespace mi::cli {

void JsonObject::start_member(std::string_view key) {
  if (!members_.empty()) members_.push_back(',');
  protocol::append_json_string(members_, key);
  members_.push_back(':');
}

JsonObject& JsonObject::add(std::string_view key, std::string_view value) {
  start_member(key);
  protocol::append_json_string(members_, value);
  return *this;
}

JsonObject& JsonObject::add(std::string_view key, std::int64_t value) {
  start_member(key);
  protocol::append_json_int(members_, value);
  return *this;
}

JsonObject& JsonObject::add_nullable(std::string_view key, const std::optional<std::string>& value) {
  start_member(key);
  protocol::append_json_string_or_null(members_, value);
  return *this;
}

JsonObject& JsonObject::add_raw(std::string_view key, std::string_view json) {
  start_member(key);
  members_.append(json);
  return *this;
}

std::string JsonObject::text() const { return "{" + members_ + "}"; }

std::string colony_json(std::string_view colony, std::uint64_t seq, const std::vector<AgentRecord>& agents) {
  std::string list = "[";
  for (const auto& record : agents) {
    if (list.size() > 1) list.push_back(',');
    list += record.json;
  }
  list.push_back(']');
  return JsonObject()
      .add("colony", colony)
      .add("seq", static_cast<std::int64_t>(seq))
      .add_raw("agents", list)
      .text();
}

std::string error_json(std::string_view code, std::string_view message) {
  return JsonObject().add_raw("error", JsonObject().add("code", code).add("message", message).text()).text();
}

}  // namespace mi::cli
