#include "protocol/colony_reads.hpp"

#include <cmath>
#include <cstdio>

#include "protocol/json_writer.hpp"

namespace mi::protocol {
namespace {

// A fraction in [0, 1] with four decimals: enough for a dashboard, and the same text everywhere.
void append_fraction(std::string& out, double value) {
  if (!std::isfinite(value) || value < 0) value = 0;
  if (value > 1) value = 1;
  char text[16];
  std::snprintf(text, sizeof text, "%.4f", value);
  std::string_view trimmed(text);
  while (trimmed.ends_with('0') && !trimmed.ends_with(".0")) trimmed.remove_suffix(1);
  out.append(trimmed);
}

void append_count(std::string& out, std::string_view key, std::uint64_t value) {
  out.push_back(',');
  append_json_key(out, key);
  append_json_uint(out, value);
}

}  // namespace

std::string serialize_agent_history(std::string_view agent_json, const std::vector<PresenceTransition>& newest_first,
                                    const UptimeWindows& uptime) {
  std::string out;
  out.reserve(96 + agent_json.size() + newest_first.size() * 56);
  out.append("{\"agent\":").append(agent_json).append(",\"transitions\":[");
  bool first = true;
  for (const auto& transition : newest_first) {
    if (!first) out.push_back(',');
    first = false;
    out.append("{\"status\":").append(transition.online ? "\"online\"" : "\"offline\"").append(",\"ts\":");
    append_json_int(out, transition.ts);
    out.append(",\"reason\":");
    if (transition.reason.empty()) {
      out.append("null");
    } else {
      append_json_string(out, transition.reason);
    }
    out.push_back('}');
  }
  out.append("],\"uptime\":{\"1h\":");
  append_fraction(out, uptime.hour);
  out.append(",\"24h\":");
  append_fraction(out, uptime.day);
  out.append(",\"7d\":");
  append_fraction(out, uptime.week);
  out.append("}}");
  return out;
}

std::string serialize_colony_stats(std::string_view colony, const ColonyCounts& counts) {
  std::string out = "{\"colony\":";
  append_json_string(out, colony);
  append_count(out, "agents", counts.agents);
  append_count(out, "online", counts.online);
  append_count(out, "remote", counts.remote);
  append_count(out, "hosted", counts.hosted);
  append_count(out, "watchers", counts.watchers);
  out.push_back('}');
  return out;
}

std::string serialize_chat_history(std::string_view colony, const std::vector<std::string>& event_jsons) {
  std::size_t size = 32 + colony.size();
  for (const auto& event : event_jsons) size += event.size() + 1;
  std::string out;
  out.reserve(size);
  out.append("{\"colony\":");
  append_json_string(out, colony);
  out.append(",\"messages\":[");
  for (std::size_t i = 0; i < event_jsons.size(); ++i) {
    if (i > 0) out.push_back(',');
    out.append(event_jsons[i]);
  }
  out.append("]}");
  return out;
}

}  // namespace mi::protocol
