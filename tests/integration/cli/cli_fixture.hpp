#pragma once
// A hub on a real Redis, a private MI_HOME, and `mi` run against them.

#include <optional>
#include <string>
#include <vector>

#include "tests/integration/cli/run_mi.hpp"
#include "tests/support/hub_fixture.hpp"
#include "tests/support/json_pointer.hpp"
#include "tests/support/temp_dir.hpp"

namespace mi::test::cli {

struct CliFixture {
  explicit CliFixture(std::vector<std::string> hub_args = {}) : hub(std::move(hub_args)) {}

  // MI_HUB, MI_ADMIN_TOKEN and MI_HOME for this hub and home (HOME too, so that nothing of the
  // developer's ~/.mi is touched), then `extra`, which may override them.
  Env env(const Env& extra = {}) const {
    Env result{{"MI_HUB", hub.hub.url()},
               {"MI_ADMIN_TOKEN", hub.hub.admin_token()},
               {"MI_HOME", home.path().string()},
               {"HOME", home.path().string()}};
    for (const auto& [name, value] : extra) result[name] = value;
    return result;
  }

  MiResult mi(const std::vector<std::string>& args, const Env& extra = {}) const { return run_mi(args, env(extra)); }

  HubFixture hub;
  TempDir home{"mi-cli-home"};
};

// The value at `field` (a JSON pointer below the agent, e.g. "/status") of the agent `id` in a
// document {"agents":[...]}; nothing when the agent is not listed.
inline std::optional<std::string> agent_field(const std::string& json, const std::string& id, const std::string& field) {
  const long count = json_array_size(json, "/agents");
  for (long index = 0; index < count; ++index) {
    const std::string prefix = "/agents/" + std::to_string(index);
    if (json_at(json, prefix + "/id") == id) return json_at(json, prefix + field);
  }
  return std::nullopt;
}

// The lines of a text, without their newlines.
inline std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    auto end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

}  // namespace mi::test::cli
