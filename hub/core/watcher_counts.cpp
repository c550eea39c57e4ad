#include "hub/core/watcher_counts.hpp"

namespace mi::hub {

void WatcherCounts::add(const std::string& colony) {
  std::lock_guard lock(mutex_);
  ++counts_[colony];
}

void WatcherCounts::remove(const std::string& colony) {
  std::lock_guard lock(mutex_);
  auto found = counts_.find(colony);
  if (found != counts_.end() && found->second > 0) --found->second;
}

std::int64_t WatcherCounts::count(const std::string& colony) const {
  std::lock_guard lock(mutex_);
  auto found = counts_.find(colony);
  return found == counts_.end() ? 0 : found->second;
}

std::vector<std::pair<std::string, std::int64_t>> WatcherCounts::take_changes(bool everything) {
  std::lock_guard lock(mutex_);
  std::vector<std::pair<std::string, std::int64_t>> changes;
  for (auto it = counts_.begin(); it != counts_.end();) {
    const auto& [colony, count] = *it;
    auto published = published_.find(colony);
    const bool known = published != published_.end();
    if (everything ? count > 0 : (!known ? count > 0 : published->second != count)) {
      changes.emplace_back(colony, count);
    }
    if (count == 0) {
      if (known) published_.erase(published);
      it = counts_.erase(it);
      continue;
    }
    published_[colony] = count;
    ++it;
  }
  return changes;
}

}  // namespace mi::hub
