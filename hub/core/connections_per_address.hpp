#pragma once
// The count behind `--max-connections-per-address`: how many connections each client address
// holds, across every shard of the hub. Shards accept on their own threads, so the table is
// shared and locked; a connection holds a Slot, which gives its place back when it goes.

#include <cstddef>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace mi::hub {

class ConnectionsPerAddress {
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view text) const { return std::hash<std::string_view>{}(text); }
  };
  using Map = std::unordered_map<std::string, std::size_t, Hash, std::equal_to<>>;
  using Entry = Map::value_type;

 public:
  explicit ConnectionsPerAddress(std::size_t limit);  // 0: no limit (the count is still kept)
  // Slots point into the table: it stays where it is and outlives them.
  ConnectionsPerAddress(const ConnectionsPerAddress&) = delete;
  ConnectionsPerAddress& operator=(const ConnectionsPerAddress&) = delete;

  // One connection's place in its address's count. It lives in every idle connection, so it
  // is two pointers: the table, and the map's entry for the address (unordered_map never moves
  // its entries, and the entry stays while any slot counts in it).
  class Slot {
   public:
    Slot() = default;
    Slot(Slot&& other) noexcept;
    Slot& operator=(Slot&& other) noexcept;
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;
    ~Slot() { release(); }

    bool held() const { return table_ != nullptr; }
    // Gives the place back (the address's entry goes with its last slot); then not held.
    void release() noexcept;

   private:
    friend class ConnectionsPerAddress;
    Slot(ConnectionsPerAddress* table, Entry* entry) : table_(table), entry_(entry) {}

    ConnectionsPerAddress* table_ = nullptr;
    Entry* entry_ = nullptr;
  };

  // A held slot, or one not held when `address` already holds `limit` slots. The address is
  // compared as text: give it in one form (normalized_address, hub/core/forwarded_client.hpp).
  Slot try_acquire(std::string_view address);

  std::size_t count(std::string_view address) const;
  std::size_t addresses() const;  // addresses that hold a slot: the table keeps no zero counts
  std::size_t limit() const { return limit_; }

 private:
  void release(Entry* entry) noexcept;

  const std::size_t limit_;
  mutable std::mutex mutex_;
  Map counts_;
};

}  // namespace mi::hub
