#include "hub/store/colony_reads.hpp"

#include <charconv>

#include "hub/redis/args.hpp"
#include "hub/store/redis_failure.hpp"

namespace mi::hub {

namespace asio = boost::asio;

namespace {

// Transitions per LRANGE, agents per count_agents call, colonies per publish_watcher_counts call:
// each call stays short however long the list.
constexpr std::size_t kHistoryPage = 1000;
constexpr std::size_t kAgentsPerCount = 200;
constexpr std::size_t kColoniesPerPublish = 500;


std::optional<std::int64_t> parse_int(std::string_view text) {
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// Appends the recorded transitions of `elements` from `first` on; false when one is unreadable.
bool append_transitions(const std::vector<redis::Reply>& elements, std::size_t first,
                        std::vector<protocol::PresenceTransition>& out) {
  for (std::size_t i = first; i < elements.size(); ++i) {
    auto transition = parse_recorded_transition(elements[i].str);
    if (!transition) return false;
    out.push_back(std::move(*transition));
  }
  return true;
}

}  // namespace

std::optional<protocol::PresenceTransition> parse_recorded_transition(std::string_view recorded) {
  const auto first_space = recorded.find(' ');
  if (first_space == std::string_view::npos) return std::nullopt;
  auto ts = parse_int(recorded.substr(0, first_space));
  if (!ts) return std::nullopt;
  auto rest = recorded.substr(first_space + 1);
  const auto second_space = rest.find(' ');
  const auto status = rest.substr(0, second_space);
  protocol::PresenceTransition transition;
  transition.ts = *ts;
  if (status == "online") {
    transition.online = true;
  } else if (status != "offline") {
    return std::nullopt;
  }
  if (second_space != std::string_view::npos) transition.reason = std::string(rest.substr(second_space + 1));
  return transition;
}

asio::awaitable<Outcome<AgentHistory>> ColonyReads::agent_history(
    redis::Connection& redis, const std::string& colony, const std::string& agent_id,
    std::function<bool(const protocol::PresenceTransition& oldest_read, std::size_t read)> wants_older) {
  auto first = co_await redis.eval("agent_history", mi::redis::args(keys_.colony_prefix(colony)),
                                   mi::redis::args(agent_id, std::to_string(kHistoryPage)));
  if (redis_failed(first)) co_return describe_redis_failure(first);
  const auto& reply = first.reply;
  if (!reply.is_array()) co_return unexpected_reply();
  if (reply.elements.empty()) co_return ApiError{404, "not_found", "There is no such agent."};
  if (reply.elements.size() < 3) co_return unexpected_reply();
  AgentHistory history;
  history.agent_json = reply.elements[0].str;
  history.online_now = reply.elements[1].str == "online";
  history.joined_at = parse_int(reply.elements[2].str).value_or(0);
  if (!append_transitions(reply.elements, 3, history.newest_first)) co_return unexpected_reply();

  // Later pages: the list grows at its head, so transitions recorded meanwhile shift it, and a
  // page then starts with entries already read. They end with the last entry read (neighbours
  // always differ: presence alternates), after which the page goes on.
  std::size_t page_size = reply.elements.size() - 3;
  std::string last_read = page_size > 0 ? reply.elements.back().str : std::string();
  const std::string key = keys_.agent_history(colony, agent_id);
  std::size_t next_index = page_size;
  while (page_size == kHistoryPage && wants_older(history.newest_first.back(), history.newest_first.size())) {
    auto page = co_await redis.exec(
        mi::redis::args("LRANGE", key, std::to_string(next_index), std::to_string(next_index + kHistoryPage - 1)));
    if (redis_failed(page)) co_return describe_redis_failure(page);
    if (!page.reply.is_array()) co_return unexpected_reply();
    const auto& entries = page.reply.elements;
    std::size_t fresh = 0;
    for (std::size_t i = 0; i < entries.size(); ++i) {
      if (entries[i].str == last_read) fresh = i + 1;
    }
    if (!append_transitions(entries, fresh, history.newest_first)) co_return unexpected_reply();
    page_size = entries.size();
    next_index += page_size;
    if (!entries.empty()) last_read = entries.back().str;
  }
  co_return history;
}

asio::awaitable<Outcome<protocol::ColonyCounts>> ColonyReads::counts(redis::Connection& redis,
                                                                    const std::string& colony) {
  protocol::ColonyCounts counts;
  const auto prefix = keys_.colony_prefix(colony);
  long long from = 0;
  do {
    auto slice = co_await redis.eval("count_agents", mi::redis::args(prefix),
                                     mi::redis::args(std::to_string(from), std::to_string(kAgentsPerCount)));
    if (redis_failed(slice)) co_return describe_redis_failure(slice);
    const auto& parts = slice.reply.elements;
    if (!slice.reply.is_array() || parts.size() < 5) co_return unexpected_reply();
    from = parts[0].integer;
    counts.agents += static_cast<std::uint64_t>(parts[1].integer);
    counts.online += static_cast<std::uint64_t>(parts[2].integer);
    counts.remote += static_cast<std::uint64_t>(parts[3].integer);
    counts.hosted += static_cast<std::uint64_t>(parts[4].integer);
  } while (from != 0);

  auto watchers = co_await redis.eval("count_watchers", mi::redis::args(keys_.hubs_prefix()), mi::redis::args(colony));
  if (redis_failed(watchers)) co_return describe_redis_failure(watchers);
  if (!watchers.reply.is_integer()) co_return unexpected_reply();
  counts.watchers = static_cast<std::uint64_t>(watchers.reply.integer);
  co_return counts;
}

asio::awaitable<Outcome<std::vector<std::string>>> ColonyReads::chat_history(redis::Connection& redis,
                                                                             const std::string& colony,
                                                                             std::optional<std::uint64_t> before,
                                                                             std::size_t limit) {
  const std::string highest = before ? "(" + std::to_string(*before) : std::string("+inf");
  auto result = co_await redis.exec(
      mi::redis::args("ZREVRANGEBYSCORE", keys_.colony_chat(colony), highest, "-inf", "LIMIT", "0", std::to_string(limit)));
  if (redis_failed(result)) co_return describe_redis_failure(result);
  if (!result.reply.is_array()) co_return unexpected_reply();
  std::vector<std::string> events;
  events.reserve(result.reply.elements.size());
  for (auto& element : result.reply.elements) events.push_back(std::move(element.str));
  co_return events;
}

asio::awaitable<Outcome<bool>> ColonyReads::publish_watcher_counts(
    redis::Connection& redis, const std::string& instance, std::int64_t lifetime_ms,
    const std::vector<std::pair<std::string, std::int64_t>>& changes) {
  bool was_missing = false;
  std::size_t next = 0;
  do {  // at least once: a call with no change still renews the hash's lifetime
    auto argv = mi::redis::args(instance, std::to_string(lifetime_ms));
    for (std::size_t end = std::min(changes.size(), next + kColoniesPerPublish); next < end; ++next) {
      argv.push_back(changes[next].first);
      argv.push_back(std::to_string(changes[next].second));
    }
    auto result = co_await redis.eval("publish_watcher_counts", mi::redis::args(keys_.hubs_prefix()), std::move(argv));
    if (redis_failed(result)) co_return describe_redis_failure(result);
    if (!result.reply.is_integer()) co_return unexpected_reply();
    // Only the first call can find the hash missing for good reason: later ones follow it.
    if (result.reply.integer == 1 && next <= kColoniesPerPublish) was_missing = true;
  } while (next < changes.size());
  co_return was_missing;
}

}  // namespace mi::hub
