#include "hub/core/event_history_guard.hpp"

#include <algorithm>

namespace mi::hub {

const char* to_string(HistoryVerdict verdict) {
  switch (verdict) {
    case HistoryVerdict::deliver: return "deliver";
    case HistoryVerdict::drop_duplicate: return "drop_duplicate";
    case HistoryVerdict::drop_stale: return "drop_stale";
    case HistoryVerdict::moved_backwards: return "moved_backwards";
    case HistoryVerdict::new_epoch: return "new_epoch";
    case HistoryVerdict::back_to_retired: return "back_to_retired";
  }
  return "?";
}

HistoryVerdict EventHistoryGuard::offer(std::string_view epoch, std::uint64_t seq, std::uint64_t fingerprint) {
  if (epoch_.empty()) {
    adopt(epoch);
    highest_ = seq;
    remember(seq, fingerprint);
    return HistoryVerdict::deliver;
  }
  if (epoch == epoch_) {
    if (broken_) return HistoryVerdict::drop_stale;
    if (seq > highest_) {
      highest_ = seq;
      remember(seq, fingerprint);
      return HistoryVerdict::deliver;
    }
    const auto& known = recent_[seq % kRememberedEvents];
    if (known.seq == seq && known.fingerprint == fingerprint) return HistoryVerdict::drop_duplicate;
    // The subscription never repeats a message: a seq at or below the highest, not the event
    // remembered for it, is another event under a seq already delivered.
    broken_ = true;
    return HistoryVerdict::moved_backwards;
  }
  if (retired(epoch)) {
    // Dropping these for ever would leave the colony's watchers deaf if Redis really went back.
    if (epoch == returning_) return HistoryVerdict::drop_stale;
    returning_ = std::string(epoch);
    return HistoryVerdict::back_to_retired;
  }
  adopt(epoch);
  highest_ = seq;
  remember(seq, fingerprint);
  return HistoryVerdict::new_epoch;
}

bool EventHistoryGuard::report_moved_backwards(std::string_view epoch) {
  if (epoch_.empty()) {
    adopt(epoch);
    broken_ = true;
    return true;
  }
  if (epoch != epoch_ || broken_) return false;
  broken_ = true;
  return true;
}

void EventHistoryGuard::renewed(std::string_view broken, std::string_view current) {
  if (!returning_.empty() && broken == returning_) {
    returning_.clear();
    // Redis was past the returning epoch (its events were late) or renewed it: follow Redis.
    if (current != epoch_ && current != broken) adopt(current);
    return;
  }
  if (epoch_ != broken || current == broken) return;
  adopt(current);
}

void EventHistoryGuard::renewal_failed(std::string_view broken) {
  const bool returning = !returning_.empty() && broken == returning_;
  if (!returning && (epoch_ != broken || !broken_)) return;
  // Every watcher of the colony was closed, and comes back with a snapshot of whatever Redis then
  // holds: start over from the next event.
  returning_.clear();
  epoch_.clear();
  highest_ = 0;
  broken_ = false;
  recent_.fill({});
  if (returning) retired_.clear();
}

void EventHistoryGuard::adopt(std::string_view epoch) {
  if (!epoch_.empty()) {
    retired_.emplace_back(epoch_);
    if (retired_.size() > kRetiredEpochs) retired_.pop_front();
  }
  epoch_ = std::string(epoch);
  retired_.erase(std::remove(retired_.begin(), retired_.end(), epoch_), retired_.end());
  highest_ = 0;
  broken_ = false;
  recent_.fill({});
}

void EventHistoryGuard::remember(std::uint64_t seq, std::uint64_t fingerprint) {
  recent_[seq % kRememberedEvents] = {seq, fingerprint};
}

bool EventHistoryGuard::retired(std::string_view epoch) const {
  return std::find(retired_.begin(), retired_.end(), epoch) != retired_.end();
}

HistoryVerdict judge_stream_head(const WatcherPlace& watcher, const StreamHead& stream) {
  if (stream.epoch != watcher.epoch) return HistoryVerdict::new_epoch;
  if (stream.seq < watcher.seq) return HistoryVerdict::moved_backwards;
  if (watcher.fingerprint != 0 && stream.fingerprint_at_watcher_seq != 0 &&
      watcher.fingerprint != stream.fingerprint_at_watcher_seq) {
    return HistoryVerdict::moved_backwards;
  }
  return HistoryVerdict::deliver;
}

}  // namespace mi::hub
