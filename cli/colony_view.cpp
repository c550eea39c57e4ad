#include "cli/colony_view.hpp"

#include <algorithm>

#include "cli/json_output.hpp"
#include "cli/table.hpp"
#include "cli/time_text.hpp"

namespace mi::cli {

namespace {

bool joined_earlier(const protocol::Agent& left, const protocol::Agent& right) {
  if (left.joined_at != right.joined_at) return left.joined_at < right.joined_at;
  return left.id < right.id;
}

std::string capitalized(std::string word) {
  if (!word.empty() && word[0] >= 'a' && word[0] <= 'z') word[0] = static_cast<char>(word[0] - 'a' + 'A');
  return word;
}

std::string offline_reason_words(const std::optional<std::string>& reason) {
  if (!reason) return "";
  if (*reason == "closed") return " (its connection closed)";
  if (*reason == "timeout") return " (no heartbeat in time)";
  if (*reason == "hub_lost") return " (its hub was lost)";
  if (*reason == "drained") return " (its hub shut down)";
  return " (" + *reason + ")";
}

}  // namespace

std::string kind_badge(const std::string& kind) { return capitalized(kind); }

std::string status_badge(const std::string& status) { return capitalized(status); }

void ColonyView::reset(std::uint64_t seq, std::vector<protocol::Agent> agents) {
  seq_ = seq;
  agents_ = std::move(agents);
  std::sort(agents_.begin(), agents_.end(), joined_earlier);
}

void ColonyView::upsert(const protocol::Agent& agent) {
  auto known = std::find_if(agents_.begin(), agents_.end(), [&](const auto& other) { return other.id == agent.id; });
  if (known != agents_.end()) {
    *known = agent;
    return;
  }
  agents_.insert(std::upper_bound(agents_.begin(), agents_.end(), agent, joined_earlier), agent);
}

std::string ColonyView::apply(const protocol::ServerMessage& event) {
  seq_ = std::max(seq_, event.seq);
  if (!event.agent) return event.event;
  const auto& agent = *event.agent;
  upsert(agent);
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
  for (const auto& agent : agents_) {
    table.add_row({agent.id, kind_badge(agent.kind), status_badge(agent.status), time_ago(agent.last_seen, now)});
  }
  return table.render();
}

std::string ColonyView::json() const { return colony_json(colony_, seq_, agents_); }

}  // namespace mi::cli
