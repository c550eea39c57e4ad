#include "hub/core/snapshot_assembly.hpp"

#include <algorithm>

#include "hub/core/metrics.hpp"
#include "protocol/event_header.hpp"

namespace mi::hub {

void count_colony_read(Metrics& metrics, const ColonySnapshot& snapshot) {
  metrics.colony_reads.fetch_add(1, std::memory_order_relaxed);
  metrics.colony_read_slices.fetch_add(snapshot.slices, std::memory_order_relaxed);
  metrics.colony_read_catch_up_events.fetch_add(snapshot.catch_up_events, std::memory_order_relaxed);
  metrics.colony_read_restarts.fetch_add(static_cast<std::uint64_t>(std::max(0, snapshot.attempts - 1)),
                                         std::memory_order_relaxed);
}

SnapshotAssembly::Action SnapshotAssembly::start() {
  attempts_ = 0;
  return restart();
}

SnapshotAssembly::Action SnapshotAssembly::restart() {
  if (attempts_ == kAttempts) return GiveUp{};
  ++attempts_;
  entries_.clear();
  index_.clear();
  epoch_.clear();
  first_seq_ = last_seq_ = applied_seq_ = 0;
  next_start_ = 0;
  anchor_.clear();
  return ReadSlice{0, ""};
}

SnapshotAssembly::Action SnapshotAssembly::on_slice(SnapshotSlice slice) {
  ++slices_read_;
  bool first = epoch_.empty();  // Redis always gives an epoch
  if (slice.anchor_lost || (!first && slice.epoch != epoch_) || slice.seq < last_seq_) return restart();
  if (first) {
    epoch_ = slice.epoch;
    first_seq_ = slice.seq;
  }
  last_seq_ = slice.seq;
  std::size_t last_read = entries_.size();  // none yet
  for (auto& json : slice.agent_jsons) {
    auto id = protocol::agent_json_id(json);
    if (id.empty()) continue;
    std::string key(id);
    // An agent seen twice (never, unless the list holds an id twice) keeps its newer reading.
    if (auto known = index_.find(key); known != index_.end()) {
      entries_[known->second] = Entry{std::move(json), slice.seq, false};
      last_read = known->second;
      continue;
    }
    last_read = entries_.size();
    index_.emplace(std::move(key), last_read);
    entries_.push_back(Entry{std::move(json), slice.seq, false});
  }
  if (last_read < entries_.size()) anchor_ = std::string(protocol::agent_json_id(entries_[last_read].json));
  next_start_ = slice.next_start;
  if (!slice.at_end) return ReadSlice{next_start_, anchor_};
  applied_seq_ = first_seq_;
  return next_events_or_complete();
}

SnapshotAssembly::Action SnapshotAssembly::next_events_or_complete() {
  if (applied_seq_ >= last_seq_) return Complete{};
  return ReadEvents{applied_seq_};
}

SnapshotAssembly::Action SnapshotAssembly::on_events(const SnapshotEvents& page) {
  if (page.epoch != epoch_ || !page.complete) return restart();
  for (const auto& json : page.events) {
    auto header = protocol::peek_event_header(json);
    if (!header || header->seq != applied_seq_ + 1) return restart();
    if (header->seq > last_seq_) break;
    applied_seq_ = header->seq;
    ++events_read_;
    auto agent = protocol::peek_event_agent(json);
    if (!agent) continue;  // chat: no agent changes
    auto known = index_.find(std::string(agent->id));
    // Not read: it joined and was removed between the slices, or came after them. Read after
    // this event: the slice already shows it.
    if (known == index_.end()) continue;
    auto& entry = entries_[known->second];
    if (entry.read_at >= header->seq) continue;
    if (header->kind == "remove") {
      entry.removed = true;
    } else {
      entry.json.assign(agent->json);
      entry.removed = false;
    }
    entry.read_at = header->seq;
  }
  if (applied_seq_ < last_seq_ && page.events.empty()) return restart();
  return next_events_or_complete();
}

ColonySnapshot SnapshotAssembly::take() {
  ColonySnapshot snapshot;
  snapshot.seq = last_seq_;
  snapshot.epoch = std::move(epoch_);
  snapshot.slices = slices_read_;
  snapshot.catch_up_events = events_read_;
  snapshot.attempts = attempts_;
  snapshot.agent_jsons.reserve(entries_.size());
  for (auto& entry : entries_) {
    if (!entry.removed) snapshot.agent_jsons.push_back(std::move(entry.json));
  }
  entries_.clear();
  index_.clear();
  return snapshot;
}

}  // namespace mi::hub
