#include "hub/core/webhook_plan.hpp"

#include <algorithm>
#include <chrono>

namespace mi::hub {

WebhookBatcher::WebhookBatcher(std::size_t max_events, std::int64_t wait_ms, std::vector<std::string> selected)
    : max_events_(std::max<std::size_t>(max_events, 1)), wait_ms_(std::max<std::int64_t>(wait_ms, 0)),
      selected_(std::move(selected)) {}

bool WebhookBatcher::selects(std::string_view kind) const {
  return std::find(selected_.begin(), selected_.end(), kind) != selected_.end();
}

WebhookBatchPlan WebhookBatcher::plan(std::span<const PendingWebhookEvent> pending, bool more_pending,
                                      std::int64_t now_ms) const {
  WebhookBatchPlan plan;
  if (pending.empty()) return plan;
  bool full = false;
  for (std::size_t i = 0; i < pending.size(); ++i) {
    if (selects(pending[i].kind)) {
      if (plan.events.size() == max_events_) {
        // The next delivery starts here; the events skipped before it belong to this one.
        full = true;
        break;
      }
      plan.events.push_back(i);
    }
    plan.through_seq = pending[i].seq;
  }
  if (plan.events.empty()) {
    plan.action = WebhookBatchPlan::Action::skip;
    return plan;
  }
  full = full || plan.events.size() == max_events_;
  plan.full = full;
  plan.due_ms = pending[plan.events.front()].ts_ms + wait_ms_;
  plan.action = (full || more_pending || now_ms >= plan.due_ms) ? WebhookBatchPlan::Action::send
                                                                  : WebhookBatchPlan::Action::wait;
  return plan;
}

WebhookRetry::WebhookRetry(std::int64_t retry_for_ms, JitteredBackoff backoff)
    : retry_for_ms_(std::max<std::int64_t>(retry_for_ms, 0)), backoff_(std::move(backoff)) {}

void WebhookRetry::start(std::int64_t now_ms) {
  first_attempt_ms_ = now_ms;
  failures_ = 0;
  backoff_.reset();
}

std::optional<std::int64_t> WebhookRetry::after_failure(std::int64_t now_ms, const JitteredBackoff::Draw& draw) {
  ++failures_;
  if (now_ms >= deadline_ms()) return std::nullopt;
  const auto delay = std::chrono::duration_cast<std::chrono::milliseconds>(backoff_.next(draw)).count();
  return std::min(now_ms + delay, deadline_ms());
}

}  // namespace mi::hub
