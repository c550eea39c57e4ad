#include "hub/redis/pending_replies.hpp"

#include <algorithm>

#include "hub/redis/hiredis_reply.hpp"

namespace mi::redis::detail {

Completion SingleReply::finish(const redisReply* reply, std::error_code ec) {
  return complete_with(std::move(resume), reply ? Result{{}, copy_reply(*reply)} : Result{ec, {}});
}

Completion PipelineBatch::complete(std::error_code ec) {
  done = true;
  PipelineResult result;
  result.ec = ec;
  if (!ec) result.replies = std::move(replies);
  return complete_with(std::move(resume), std::move(result));
}

Completion PipelinePart::finish(const redisReply* reply, std::error_code ec) {
  if (batch->done) return {};  // an earlier part failed and resumed the caller already
  if (reply == nullptr) return batch->complete(ec);
  batch->replies[index] = copy_reply(*reply);
  if (--batch->remaining == 0) return batch->complete({});
  return {};
}

void InFlight::remove(PendingReply* pending) {
  if (!queue_.empty() && queue_.front() == pending) {
    queue_.pop_front();
  } else if (const auto it = std::find(queue_.begin(), queue_.end(), pending); it != queue_.end()) {
    queue_.erase(it);  // not expected: hiredis answers in order
  }
}

DeadlineCheck InFlight::watchdog(Clock::time_point now) const {
  return check_oldest_deadline(queue_.empty() ? std::nullopt : std::optional(queue_.front()->deadline), now);
}

}  // namespace mi::redis::detail
