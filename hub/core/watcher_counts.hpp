#pragma once
// How many watchers of each colony this hub holds, across its shards, and which counts it has yet
// to publish to Redis (publish_watcher_counts.lua), so that a colony's stats can sum the hubs'.
// Shards change it as watchers come and go; the publisher takes what changed once a period. No
// I/O, one lock: a watcher joins or leaves far less often than it is sent events.

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace mi::hub {

class WatcherCounts {
 public:
  void add(const std::string& colony);
  void remove(const std::string& colony);

  // The watchers of `colony` here now.
  std::int64_t count(const std::string& colony) const;

  // The (colony, count) pairs to publish: those that changed since the last call, or, with
  // `everything`, every colony with watchers (after Redis lost what was published). A count of 0
  // is published once, as a removal, then forgotten.
  std::vector<std::pair<std::string, std::int64_t>> take_changes(bool everything);

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::int64_t> counts_;     // colonies with watchers here, or with 0 to publish
  std::map<std::string, std::int64_t> published_;  // what Redis was last told, per colony
};

}  // namespace mi::hub
