#include "protocol/event_header.hpp"

#include <charconv>

namespace mi::protocol {

std::optional<EventHeader> peek_event_header(std::string_view event_json) {
  constexpr std::string_view kStart = R"({"type":"event","colony":")";
  constexpr std::string_view kSeq = R"(","seq":)";
  constexpr std::string_view kEpoch = R"(,"epoch":")";
  constexpr std::string_view kEvent = R"(,"event":")";
  if (!event_json.starts_with(kStart)) return std::nullopt;
  auto seq_at = event_json.find(kSeq, kStart.size());
  if (seq_at == std::string_view::npos) return std::nullopt;
  EventHeader header;
  const char* digits = event_json.data() + seq_at + kSeq.size();
  const char* end = event_json.data() + event_json.size();
  auto [after, ec] = std::from_chars(digits, end, header.seq);
  if (ec != std::errc{} || after == digits) return std::nullopt;
  auto rest = event_json.substr(static_cast<std::size_t>(after - event_json.data()));
  // The epoch follows the seq directly.
  if (!rest.starts_with(kEpoch)) return std::nullopt;
  auto epoch_end = rest.find('"', kEpoch.size());
  if (epoch_end == std::string_view::npos || epoch_end == kEpoch.size()) return std::nullopt;
  header.epoch = rest.substr(kEpoch.size(), epoch_end - kEpoch.size());
  if (header.epoch.find('\\') != std::string_view::npos) return std::nullopt;
  auto kind_at = rest.find(kEvent, epoch_end);
  if (kind_at == std::string_view::npos) return std::nullopt;
  auto kind_start = kind_at + kEvent.size();
  auto kind_end = rest.find('"', kind_start);
  if (kind_end == std::string_view::npos) return std::nullopt;
  header.kind = rest.substr(kind_start, kind_end - kind_start);
  return header;
}

namespace {

// Where the JSON object starting at `text[0]` ends (one past its closing brace), or npos. Strings
// are skipped with their escapes, so braces inside meta's strings do not count.
std::size_t object_end(std::string_view text) {
  if (text.empty() || text[0] != '{') return std::string_view::npos;
  int depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      if (--depth == 0) return i + 1;
    }
  }
  return std::string_view::npos;
}

}  // namespace

std::string_view agent_json_id(std::string_view agent_json) {
  constexpr std::string_view kIdStart = R"({"id":")";
  if (!agent_json.starts_with(kIdStart)) return {};
  auto end = agent_json.find('"', kIdStart.size());
  if (end == std::string_view::npos) return {};
  auto id = agent_json.substr(kIdStart.size(), end - kIdStart.size());
  // Ids are [a-z0-9._-]: an escape would mean this is not the scripts' text.
  if (id.find('\\') != std::string_view::npos) return {};
  return id;
}

std::optional<EventAgent> peek_event_agent(std::string_view event_json) {
  constexpr std::string_view kAgent = R"(,"agent":)";
  auto header = peek_event_header(event_json);
  if (!header) return std::nullopt;
  auto kind_end = static_cast<std::size_t>(header->kind.data() + header->kind.size() - event_json.data());
  auto rest = event_json.substr(kind_end + 1);  // past the kind's closing quote
  if (!rest.starts_with(kAgent)) return std::nullopt;
  auto object = rest.substr(kAgent.size());
  auto end = object_end(object);
  if (end == std::string_view::npos) return std::nullopt;
  EventAgent agent{agent_json_id(object.substr(0, end)), object.substr(0, end)};
  if (agent.id.empty()) return std::nullopt;
  return agent;
}

}  // namespace mi::protocol
