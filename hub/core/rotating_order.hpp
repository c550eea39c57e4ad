#pragma once
// The order a fan-out walks its receivers in. Each send(2) to one receiver takes several
// microseconds, so the last of a colony's thousand watchers gets every event a few milliseconds
// after the first. Walked from a start that moves on by one at every pass, each receiver is last
// once in a while instead of always, and the delay of any one watcher is that of all of them.
#include <cstddef>
#include <span>

namespace mi::hub {

// Visits every item once, from `start` (taken modulo the size, as the list may have shrunk)
// around to the one before it, then moves `start` on by one.
template <typename T, typename Visit>
void visit_rotating(std::span<T> items, std::size_t& start, Visit&& visit) {
  if (items.empty()) return;
  std::size_t first = start % items.size();
  for (std::size_t i = first; i < items.size(); ++i) visit(items[i]);
  for (std::size_t i = 0; i < first; ++i) visit(items[i]);
  start = first + 1;
}

}  // namespace mi::hub
