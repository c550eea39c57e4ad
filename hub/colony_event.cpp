#include "hub/colony_event.hpp"

#include "protocol/event_header.hpp"
#include "protocol/websocket_frame.hpp"

namespace mi::hub {

SharedEvent make_colony_event(std::string colony, std::string_view json) {
  auto header = protocol::peek_event_header(json);
  if (!header) return nullptr;
  auto event = std::make_shared<ColonyEvent>();
  event->colony = std::move(colony);
  event->seq = header->seq;
  event->is_chat = header->kind == "chat";
  event->frame = std::make_shared<const std::string>(protocol::websocket::encode_text_frame(json));
  return event;
}

}  // namespace mi::hub
