#include "cli/colony_view.hpp"

#include <algorithm>
#include <utility>
#include <vector>

#include <simdjson.h>

#include "cli/id_order.hpp"
#include "cli/json_output.hpp"
#include "cli/table.hpp"
#include "cli/time_text.hpp"

namespace mi::cli {

namespace {

bool listed_earlier(const AgentRecord& left, const AgentRecord& right) {
  return id_sorts_before(left.agent.id, right.agent.id);
}

// Why an Offline agent is offline, in the dashboard's words (offlineReasonText, common.js).
std::string offline_reason_column(const AgentRecord& record) {
  if (record.agent.status != "offline") return "";
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  std::string_view reason;
  if (parser.parse(record.json).get(root) != simdjson::SUCCESS || root["offline_reason"].get(reason) != simdjson::SUCCESS) {
    return "";
  }
  if (reason == "closed") return "connection closed";
  if (reason == "timeout") return "no heartbeat";
  if (reason == "hub_lost") return "its hub was lost";
  if (reason == "drained") return "hub restarting";
  return std::string(reason);
}

// The agent's meta as the dashboard's chips show it: "status" first, then the other keys in
// order, at most six, each "key: value" (a string as it is, anything else as JSON).
std::string meta_column(const AgentRecord& record) {
  constexpr std::size_t kMostShown = 6;
  simdjson::dom::parser parser;
  simdjson::dom::object meta;
  if (parser.parse(record.agent.meta_json).get(meta) != simdjson::SUCCESS) return "";
  std::vector<std::pair<std::string, std::string>> entries;
  for (auto [key, value] : meta) {
    std::string_view text;
    entries.emplace_back(std::string(key), value.get(text) == simdjson::SUCCESS ? std::string(text)
                                                                                 : simdjson::minify(value));
  }
  std::stable_sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
    if ((a.first == "status") != (b.first == "status")) return a.first == "status";
    return a.first < b.first;
  });
  std::string out;
  for (std::size_t index = 0; index < entries.size() && index < kMostShown; ++index) {
    if (!out.empty()) out += ", ";
    out += entries[index].first + ": " + entries[index].second;
  }
  return out;
}

std::string offline_reason_words(const std::optional<std::string>& reason) {
  if (!reason) return "";
  if (*reason == "closed") return " (its connection closed)";
  if (*reason == "timeout") return " (no heartbeat in time)";
  if (*reason == "hub_lost") return " (its hub was lost)";
  if (*reason == "drained") return " (its hub shut down)";
  if (*reason == "unhealthy") return " (its health reports stopped or said unhealthy)";
  return " (" + *reason + ")";
}

// The product's words for an agent's kind and status, as on its dashboard badges: "Remote",
// "Hosted", "Online", "Offline".
std::string badge(std::string word) {
  if (!word.empty() && word[0] >= 'a' && word[0] <= 'z') word[0] = static_cast<char>(word[0] - 'a' + 'A');
  return word;
}

// The STATUS column, as the dashboard's badge says it (agentPresence, common.js): an Online agent
// whose connection dropped while the hub waits its offline grace (`"reconnecting":true`) is
// "Reconnecting". One kept online by HTTP beats or health reports has no socket either, and is
// Online.
std::string status_column(const AgentRecord& record) {
  if (record.agent.status != "online") return badge(record.agent.status);
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  bool reconnecting = false;
  if (parser.parse(record.json).get(root) == simdjson::SUCCESS &&
      root["reconnecting"].get(reconnecting) == simdjson::SUCCESS && reconnecting) {
    return "Reconnecting";
  }
  return badge(record.agent.status);
}

}  // namespace

void ColonyView::reset(std::uint64_t seq, std::vector<AgentRecord> agents) {
  seq_ = seq;
  agents_ = std::move(agents);
  std::sort(agents_.begin(), agents_.end(), listed_earlier);
}

void ColonyView::upsert(AgentRecord record) {
  auto known = std::find_if(agents_.begin(), agents_.end(),
                            [&](const auto& other) { return other.agent.id == record.agent.id; });
  if (known != agents_.end()) {
    *known = std::move(record);
    return;
  }
  const auto place = std::upper_bound(agents_.begin(), agents_.end(), record, listed_earlier);
  agents_.insert(place, std::move(record));
}

std::string ColonyView::apply(const protocol::ServerMessage& event, std::string agent_json) {
  seq_ = std::max(seq_, event.seq);
  if (!event.agent) return event.event;
  const auto& agent = *event.agent;
  upsert({agent, std::move(agent_json)});
  if (event.event == "join") return agent.id + " joined with invite " + event.invite.value_or("?");
  if (event.event == "online") return agent.id + " is online";
  if (event.event == "offline") return agent.id + " went offline" + offline_reason_words(event.reason);
  if (event.event == "clone") return event.source.value_or("?") + " cloned itself into " + agent.id;
  if (event.event == "update") return agent.id + " published a status: " + agent.meta_json;
  if (event.event == "chat") return event.from.value_or(agent.id) + ": " + event.text.value_or("");
  return agent.id + ": " + event.event;
}

std::string ColonyView::render_table(std::int64_t now) const {
  Table table({"AGENT", "KIND", "STATUS", "LAST SEEN", "REASON", "META"});
  for (const auto& record : agents_) {
    const auto& agent = record.agent;
    table.add_row({agent.id, badge(agent.kind), status_column(record), time_ago(agent.last_seen, now),
                   offline_reason_column(record), meta_column(record)});
  }
  return table.render();
}

std::string ColonyView::json() const { return colony_json(colony_, seq_, agents_); }

}  // namespace mi::cli
