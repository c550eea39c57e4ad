#pragma once
// The records of commands awaiting their replies, and the queue of those in flight.
//
// Ownership (see link.hpp for the link's):
//  - A command's `privdata` is a heap PendingReply that only hiredis' callback deletes; hiredis
//    always calls back exactly once (with a reply, or with NULL when it frees the context). A
//    deadline that fires first finishes the record (the waiting coroutine gets timed_out) and
//    flags it `finished`; the later callback then only deletes it.
//  - finish() runs inside hiredis: it resumes nobody. It returns the caller's result as a
//    Completion, which the CommandClient hands over once hiredis has returned.

#include <chrono>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <system_error>
#include <variant>
#include <vector>

#include <hiredis/hiredis.h>

#include "hub/redis/connection.hpp"
#include "hub/redis/oldest_deadline.hpp"
#include "hub/redis/resume_slot.hpp"

namespace mi::redis::detail {

// One caller's result, ready to hand over: running it resumes the caller. Empty: nobody to resume.
using Completion = ResumeSlot<std::monostate>;

template <class T>
Completion complete_with(ResumeSlot<T> slot, T value) {
  return Completion([slot = std::move(slot), value = std::move(value)](std::monostate) mutable {
    slot(std::move(value));
  });
}

struct PendingReply {
  explicit PendingReply(Clock::time_point d) : deadline(d) {}
  virtual ~PendingReply() = default;
  PendingReply(const PendingReply&) = delete;
  PendingReply& operator=(const PendingReply&) = delete;

  // Exactly once: with the reply, or with `ec` and no reply.
  virtual Completion finish(const redisReply* reply, std::error_code ec) = 0;

  Clock::time_point deadline;
  bool finished = false;  // answered already (deadline); the hiredis callback only deletes it
};

// exec(): one command, one caller.
struct SingleReply final : PendingReply {
  SingleReply(Clock::time_point d, ResumeSlot<Result> r) : PendingReply(d), resume(std::move(r)) {}
  Completion finish(const redisReply* reply, std::error_code ec) override;
  ResumeSlot<Result> resume;
};

// exec_pipeline(): the caller, resumed once every part is answered or at the first part without one.
struct PipelineBatch {
  ResumeSlot<PipelineResult> resume;
  std::vector<Reply> replies;
  std::size_t remaining = 0;
  bool done = false;

  Completion complete(std::error_code ec);
};

struct PipelinePart final : PendingReply {
  PipelinePart(Clock::time_point d, std::shared_ptr<PipelineBatch> b, std::size_t i)
      : PendingReply(d), batch(std::move(b)), index(i) {}
  Completion finish(const redisReply* reply, std::error_code ec) override;
  std::shared_ptr<PipelineBatch> batch;
  std::size_t index;
};

// The commands sent on the current link, oldest first. hiredis answers every one of them (with
// NULL when it frees the context) before the link's cleanup, so the queue is empty whenever there
// is no link. Redis answers in order: the front is always the next reply, and the only deadline
// that can expire first. The records are hiredis' (privdata), not the queue's.
class InFlight {
 public:
  void push(PendingReply* pending) { queue_.push_back(pending); }
  // The record that hiredis just answered: the front, unless hiredis broke its order.
  void remove(PendingReply* pending);

  bool empty() const { return queue_.empty(); }
  std::size_t size() const { return queue_.size(); }
  PendingReply* oldest() const { return queue_.empty() ? nullptr : queue_.front(); }

  // The watchdog's decision when its timer fires at `now`: expire the oldest, wait again, or
  // nothing (see oldest_deadline.hpp).
  DeadlineCheck watchdog(Clock::time_point now) const;

 private:
  std::deque<PendingReply*> queue_;
};

}  // namespace mi::redis::detail
