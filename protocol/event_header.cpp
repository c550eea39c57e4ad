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

}  // namespace mi::protocol
