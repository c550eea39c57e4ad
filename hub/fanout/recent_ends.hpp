#pragma once
// The agent connections a shard ended lately, as it told Redis. A failover to a replica that
// had not received the last writes, or a Redis restarted without them, may have lost such an
// end: the agent would stay online with a socket nobody holds (its hub lives and lists it, so no
// sweep takes it). When the shard's link reaches another server it tells these ends again, as
// it re-asserts the connections it still holds; an end Redis already has changes nothing.
// Bounded by age and count; time is an argument. One per shard, used on its thread.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

namespace mi::hub {

struct RecordedEnd {
  std::string colony;
  std::string connection_id;
  std::string reason;            // offline reason, as sent
  std::int64_t last_frame_ms = 0;
  std::int64_t ended_at = 0;     // steady ms, when Redis took it
  std::int64_t grace_ms = 0;     // the offline grace it was told with
};

class RecentEnds {
 public:
  // `keep_ms`: how long an end is kept; `max_count`: how many at most (the oldest go first).
  RecentEnds(std::int64_t keep_ms, std::size_t max_count) : keep_ms_(keep_ms), max_count_(max_count) {}

  void record(RecordedEnd end, std::int64_t now) {
    forget_older_than(now);
    ends_.push_back(std::move(end));
    if (ends_.size() > max_count_) ends_.pop_front();
  }

  // The ends still kept at `now`, oldest first.
  std::vector<RecordedEnd> kept(std::int64_t now) {
    forget_older_than(now);
    return {ends_.begin(), ends_.end()};
  }

  std::size_t size() const { return ends_.size(); }

 private:
  void forget_older_than(std::int64_t now) {
    while (!ends_.empty() && now - ends_.front().ended_at > keep_ms_) ends_.pop_front();
  }

  std::int64_t keep_ms_;
  std::size_t max_count_;
  std::deque<RecordedEnd> ends_;
};

}  // namespace mi::hub
