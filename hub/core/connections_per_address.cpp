#include "hub/core/connections_per_address.hpp"

#include <utility>

namespace mi::hub {

static_assert(sizeof(ConnectionsPerAddress::Slot) == 2 * sizeof(void*), "a Slot is two pointers");

ConnectionsPerAddress::ConnectionsPerAddress(std::size_t limit) : limit_(limit) {}

ConnectionsPerAddress::Slot::Slot(Slot&& other) noexcept
    : table_(std::exchange(other.table_, nullptr)), entry_(std::exchange(other.entry_, nullptr)) {}

ConnectionsPerAddress::Slot& ConnectionsPerAddress::Slot::operator=(Slot&& other) noexcept {
  if (this != &other) {
    release();
    table_ = std::exchange(other.table_, nullptr);
    entry_ = std::exchange(other.entry_, nullptr);
  }
  return *this;
}

void ConnectionsPerAddress::Slot::release() noexcept {
  if (!table_) return;
  table_->release(std::exchange(entry_, nullptr));
  table_ = nullptr;
}

ConnectionsPerAddress::Slot ConnectionsPerAddress::try_acquire(std::string_view address) {
  std::lock_guard lock(mutex_);
  auto found = counts_.find(address);
  if (found == counts_.end()) {
    found = counts_.emplace(std::string(address), 0).first;
  } else if (limit_ != 0 && found->second >= limit_) {
    return {};
  }
  ++found->second;
  return Slot(this, &*found);
}

void ConnectionsPerAddress::release(Entry* entry) noexcept {
  std::lock_guard lock(mutex_);
  if (--entry->second == 0) counts_.erase(counts_.find(entry->first));
}

std::size_t ConnectionsPerAddress::count(std::string_view address) const {
  std::lock_guard lock(mutex_);
  auto found = counts_.find(address);
  return found == counts_.end() ? 0 : found->second;
}

std::size_t ConnectionsPerAddress::addresses() const {
  std::lock_guard lock(mutex_);
  return counts_.size();
}

}  // namespace mi::hub
