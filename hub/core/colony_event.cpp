#include "hub/core/colony_event.hpp"

#include <functional>

#include "protocol/event_header.hpp"
#include "protocol/server_message_parser.hpp"
#include "protocol/websocket_frame.hpp"

namespace mi::hub {

std::uint64_t event_fingerprint(std::string_view json) { return std::hash<std::string_view>{}(json); }

SharedEvent make_colony_event(std::string colony, std::string_view json) {
  auto header = protocol::peek_event_header(json);
  if (!header) return nullptr;
  auto event = std::make_shared<ColonyEvent>();
  event->colony = std::move(colony);
  event->seq = header->seq;
  event->epoch = std::string(header->epoch);
  event->fingerprint = event_fingerprint(json);
  event->is_chat = header->kind == "chat";
  if (header->kind == "remove") {
    // Rare: parsed in full for the agent's id.
    auto message = protocol::parse_server_message(json);
    if (message && message->agent) event->removed_agent = message->agent->id;
  }
  event->frame = std::make_shared<const std::string>(protocol::websocket::encode_text_frame(json));
  return event;
}

SharedMessage join_frames(std::span<const SharedEvent> events) {
  std::size_t size = 0;
  for (const auto& event : events) size += event->frame->size();
  std::string joined;
  joined.reserve(size);
  for (const auto& event : events) joined += *event->frame;
  return std::make_shared<const std::string>(std::move(joined));
}

}  // namespace mi::hub
