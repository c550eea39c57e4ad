#pragma once
// What a session still has to send: shared, immutable buffers (one per event, whatever the number
// of receivers), bounded in bytes so that a slow reader cannot make the hub hold without limit.
// I/O free; the session's writer coroutine drains it.

#include <cstddef>
#include <deque>
#include <memory>
#include <string>

namespace mi::hub {

using SharedMessage = std::shared_ptr<const std::string>;

class OutboundQueue {
 public:
  explicit OutboundQueue(std::size_t max_bytes) : max_bytes_(max_bytes) {}

  // False, and nothing queued, when the message would take the queue over its bound. A message
  // larger than the bound still goes when the queue is empty (a large snapshot).
  bool push(SharedMessage message) {
    if (bytes_ + message->size() > max_bytes_ && !messages_.empty()) return false;
    bytes_ += message->size();
    messages_.push_back(std::move(message));
    return true;
  }

  // Watchers may fall further behind than agents before they are cut (see Config).
  void set_max_bytes(std::size_t max_bytes) { max_bytes_ = max_bytes; }

  bool empty() const { return messages_.empty(); }
  std::size_t size() const { return messages_.size(); }
  std::size_t bytes() const { return bytes_; }
  const SharedMessage& front() const { return messages_.front(); }

  void pop() {
    bytes_ -= messages_.front()->size();
    messages_.pop_front();
  }

  void clear() {
    messages_.clear();
    messages_.shrink_to_fit();
    bytes_ = 0;
  }

 private:
  std::size_t max_bytes_;
  std::size_t bytes_ = 0;
  std::deque<SharedMessage> messages_;
};

}  // namespace mi::hub
