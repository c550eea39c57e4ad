#include "hub/core/event_sequencer.hpp"

namespace mi::hub {

EventSequencer::Release EventSequencer::start(std::uint64_t seq) {
  started_ = true;
  delivered_ = seq;
  return release();
}

EventSequencer::Release EventSequencer::offer(SharedEvent event) {
  if (started_ && event->seq <= delivered_) return {};
  auto [position, inserted] = held_.emplace(event->seq, event);
  if (inserted) held_bytes_ += event->frame->size();
  if (!started_) return {};
  return release();
}

bool EventSequencer::take_in_order(std::span<const SharedEvent> events) {
  if (!started_ || !held_.empty()) return false;
  for (std::size_t i = 0; i < events.size(); ++i) {
    if (events[i]->seq != delivered_ + 1 + i) return false;
  }
  delivered_ += events.size();
  return true;
}

EventSequencer::Release EventSequencer::release() {
  Release out;
  while (!held_.empty()) {
    auto first = held_.begin();
    if (first->first <= delivered_) {
      held_bytes_ -= first->second->frame->size();
      held_.erase(first);
      continue;
    }
    if (first->first != delivered_ + 1) break;
    delivered_ = first->first;
    held_bytes_ -= first->second->frame->size();
    out.deliver.push_back(std::move(first->second));
    held_.erase(first);
  }
  out.gap = !held_.empty();
  return out;
}

}  // namespace mi::hub
