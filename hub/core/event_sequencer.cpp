#include "hub/core/event_sequencer.hpp"

namespace mi::hub {

EventSequencer::Release EventSequencer::start(std::uint64_t seq, std::string epoch) {
  started_ = true;
  delivered_ = seq;
  delivered_fingerprint_ = 0;
  epoch_ = std::move(epoch);
  return release();
}

EventSequencer::Release EventSequencer::offer(SharedEvent event) {
  if (epoch_changed_) return {.deliver = {}, .gap = false, .epoch_changed = true};
  if (started_ && event->epoch != epoch_) {
    epoch_changed_ = true;
    return {.deliver = {}, .gap = false, .epoch_changed = true};
  }
  if (started_ && event->seq <= delivered_) return {};
  auto [position, inserted] = held_.emplace(event->seq, event);
  if (inserted) held_bytes_ += event->frame->size();
  if (!started_) return {};
  return release();
}

bool EventSequencer::take_in_order(std::span<const SharedEvent> events) {
  if (!started_ || !held_.empty() || epoch_changed_) return false;
  for (std::size_t i = 0; i < events.size(); ++i) {
    if (events[i]->seq != delivered_ + 1 + i || events[i]->epoch != epoch_) return false;
  }
  delivered_ += events.size();
  if (!events.empty()) delivered_fingerprint_ = events.back()->fingerprint;
  return true;
}

EventSequencer::Release EventSequencer::release() {
  Release out;
  // Events held before the start may be of another epoch than the one the watcher started in.
  for (const auto& [seq, event] : held_) {
    if (event->epoch != epoch_) {
      epoch_changed_ = true;
      held_.clear();
      held_bytes_ = 0;
      out.epoch_changed = true;
      return out;
    }
  }
  while (!held_.empty()) {
    auto first = held_.begin();
    if (first->first <= delivered_) {
      held_bytes_ -= first->second->frame->size();
      held_.erase(first);
      continue;
    }
    if (first->first != delivered_ + 1) break;
    delivered_ = first->first;
    delivered_fingerprint_ = first->second->fingerprint;
    held_bytes_ -= first->second->frame->size();
    out.deliver.push_back(std::move(first->second));
    held_.erase(first);
  }
  out.gap = !held_.empty();
  return out;
}

}  // namespace mi::hub
