#include "cli/colony_view.hpp"

#include <algorithm>

#include "cli/json_output.hpp"
#include "cli/table.hpp"
#include "cli/time_text.hpp"

namespace mi::cli {

namespace {

bool joined_earlier(const AgentRecord& left, const AgentRecord& right) {
  if (left.agent.joined_at != right.agent.joined_at) return left.agent.joined_at < right.agent.joined_at;
  return left.agent.id < right.agent.id;
}

std::string offline_reason_words(const std::optional<std::string>& reason) {
  if (!reason) return "";
  if (*reason == "closed") return " (its connection closed)";
  if (*reason == "timeout") return " (no heartbeat in time)";
  if (*reason == "hub_lost") return " (its hub was lost)";
  if (*reason == "drained") return " (its hub shut down)";
  return " (" + *reason + ")";
}

// The product's words for an agent's kind and status, as on its dashboard badges: "Remote",
// "Hosted", "Online", "Offline".
std::string badge(std::string word) {
  if (!word.empty() && word[0] >= 'a' && word[0] <= 'z') word[0] = static_cast<char>(word[0] - 'a' + 'A');
  return word;
}

}  // namespace

void ColonyView::reset(std::uint64_t seq, std::vector<AgentRecord> agents) {
  seq_ = seq;
  agents_ = std::move(agents);
  std::sort(agents_.begin(), agents_.end(), joined_earlier);
}

void ColonyView::upsert(AgentRecord record) {
  auto known = std::find_if(agents_.begin(), agents_.end(),
                            [&](const auto& other) { return other.agent.id == record.agent.id; });
  if (known != agents_.end()) {
    *known = std::move(record);
    return;
  }
  const auto place = std::upper_bound(agents_.begin(), agents_.end(), record, joined_earlier);
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
  Table table({"AGENT", "KIND", "STATUS", "LAST SEEN"});
  for (const auto& [agent, json] : agents_) {
    table.add_row({agent.id, badge(agent.kind), badge(agent.status), time_ago(agent.last_seen, now)});
  }
  return table.render();
}

std::string ColonyView::json() const { return colony_json(colony_, seq_, agents_); }

}  // namespace mi::cli
