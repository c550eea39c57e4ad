#pragma once
// The JSON that mi prints with --json and keeps in its files, built with the protocol's writer.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cli/hub_records.hpp"

namespace mi::cli {

// One JSON object, member by member: JsonObject().add("a", "x").add("n", 1).text().
class JsonObject {
 public:
  JsonObject& add(std::string_view key, std::string_view value);
  JsonObject& add(std::string_view key, std::int64_t value);
  JsonObject& add_nullable(std::string_view key, const std::optional<std::string>& value);
  // `json` is inserted as it is: it must already be valid JSON.
  JsonObject& add_raw(std::string_view key, std::string_view json);
  std::string text() const;

 private:
  void start_member(std::string_view key);
  std::string members_;
};

// {"colony":..,"seq":N,"agents":[AGENT...]}: what `mi status --json` prints, once or per change.
std::string colony_json(std::string_view colony, std::uint64_t seq, const std::vector<AgentRecord>& agents);

// {"error":{"code":..,"message":..}}: a failure, for scripts reading --json output.
std::string error_json(std::string_view code, std::string_view message);

}  // namespace mi::cli
