#include "protocol/event_header.hpp"

#include <charconv>

namespace mi::protocol {

std::optional<EventHeader> peek_event_header(std::string_view event_json) {
  constexpr std::string_view kStart = R"({"type":"event","colony":")";
  constexpr std::string_view kSeq = R"(","seq":)";
  constexpr std::string_view kEvent = R"(,"event":")";
  if (!event_json.starts_with(kStart)) return std::nullopt;
  auto seq_at = event_json.find(kSeq, kStart.size());
  if (seq_at == std::string_view::npos) return std::nullopt;
  EventHeader header;
  const char* digits = event_json.data() + seq_at + kSeq.size();
  const char* end = event_json.data() + event_json.size();
  auto [after, ec] = std::from_chars(digits, end, header.seq);
  if (ec != std::errc{} || after == digits) return std::nullopt;
  auto kind_at = event_json.find(kEvent, static_cast<std::size_t>(after - event_json.data()));
  if (kind_at == std::string_view::npos) return std::nullopt;
  auto kind_start = kind_at + kEvent.size();
  auto kind_end = event_json.find('"', kind_start);
  if (kind_end == std::string_view::npos) return std::nullopt;
  header.kind = event_json.substr(kind_start, kind_end - kind_start);
  return header;
}

}  // namespace mi::protocol
