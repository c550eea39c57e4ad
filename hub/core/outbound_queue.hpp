#pragma once
// What a session still has to send: shared, immutable WebSocket frames (one per event, whatever
// the number of receivers), bounded in bytes so that a slow reader cannot make the hub hold
// without limit. It knows how much of the first frame is already on the wire, and which frames a
// write in flight is sending, so that dropping the backlog never cuts a frame in half.
// I/O free; the session's writer drains it. Empty, it holds no memory.

#include <cstddef>
#include <algorithm>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace mi::hub {

using SharedMessage = std::shared_ptr<const std::string>;

class OutboundQueue {
 public:
  explicit OutboundQueue(std::size_t max_bytes) : max_bytes_(max_bytes) {}

  // False, and nothing queued, when the message would take the queue over its bound. A message
  // larger than the bound still goes when the queue is empty (a large snapshot). `already_sent`
  // bytes of it went out before it was queued.
  bool push(SharedMessage message, std::size_t already_sent = 0) {
    if (bytes_ + message->size() > max_bytes_ && !empty()) return false;
    if (empty()) front_offset_ = already_sent;
    bytes_ += message->size();
    messages_.push_back(std::move(message));
    return true;
  }

  // A message that must go whatever the bound (a close frame).
  void push_unbounded(SharedMessage message) {
    bytes_ += message->size();
    messages_.push_back(std::move(message));
  }

  // Watchers may fall further behind than agents before they are cut (see Config).
  void set_max_bytes(std::size_t max_bytes) { max_bytes_ = max_bytes; }

  bool empty() const { return head_ == messages_.size(); }
  std::size_t size() const { return messages_.size() - head_; }
  std::size_t bytes() const { return bytes_; }

  // The unsent bytes of the first `count` messages, for one gathered write; marks them in flight.
  template <typename BufferSequence, typename MakeBuffer>
  void take_for_write(std::size_t count, BufferSequence& out, MakeBuffer make_buffer) {
    in_flight_ = std::min(count, size());
    for (std::size_t i = 0; i < in_flight_; ++i) {
      std::string_view bytes(*messages_[head_ + i]);
      if (i == 0) bytes.remove_prefix(front_offset_);
      out.push_back(make_buffer(bytes));
    }
  }
  // The messages of the write in flight (to keep them alive while it runs).
  const SharedMessage& at(std::size_t index) const { return messages_[head_ + index]; }
  std::size_t in_flight() const { return in_flight_; }

  // `count` bytes went out; returns how many whole messages that finished.
  std::size_t consume(std::size_t count) {
    std::size_t finished = 0;
    while (count > 0 && !empty()) {
      auto& front = messages_[head_];
      auto left = front->size() - front_offset_;
      if (count < left) {
        front_offset_ += count;
        break;
      }
      count -= left;
      bytes_ -= front->size();
      front.reset();
      ++head_;
      front_offset_ = 0;
      ++finished;
    }
    in_flight_ = 0;
    if (empty()) {
      release();
    } else if (head_ > 64 && head_ * 2 > messages_.size()) {
      messages_.erase(messages_.begin(), messages_.begin() + static_cast<std::ptrdiff_t>(head_));
      head_ = 0;
    }
    return finished;
  }

  // Drops what has not started to go out; a frame partly sent or in flight stays, so that the
  // stream of frames stays whole for the close frame that follows.
  void drop_unstarted() {
    std::size_t keep = std::max<std::size_t>(in_flight_, front_offset_ > 0 ? 1 : 0);
    while (size() > keep) {
      bytes_ -= messages_.back()->size();
      messages_.pop_back();
    }
    if (empty()) release();
  }

 private:
  // Idle sessions are many: an empty queue gives its memory back.
  void release() {
    std::vector<SharedMessage>().swap(messages_);
    head_ = 0;
    front_offset_ = 0;
    bytes_ = 0;
  }

  std::size_t max_bytes_;
  std::size_t bytes_ = 0;
  std::size_t front_offset_ = 0;
  std::size_t in_flight_ = 0;
  std::size_t head_ = 0;  // messages before it are sent (a vector, since an empty deque allocates)
  std::vector<SharedMessage> messages_;
};

}  // namespace mi::hub
