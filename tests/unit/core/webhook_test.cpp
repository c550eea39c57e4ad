// Webhook decisions without I/O: the signature (a known HMAC vector), which events go into a
// delivery and when it leaves, and the retries with jitter until --webhook-retry-for.
#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <vector>

#include "hub/core/backoff.hpp"
#include "hub/core/crypto.hpp"
#include "hub/core/webhook_plan.hpp"
#include "hub/core/webhook_signature.hpp"

using mi::hub::JitteredBackoff;
using mi::hub::PendingWebhookEvent;
using mi::hub::WebhookBatcher;
using mi::hub::WebhookBatchPlan;
using mi::hub::WebhookRetry;
using namespace std::chrono_literals;

namespace {
using Action = WebhookBatchPlan::Action;
using Duration = JitteredBackoff::Duration;

std::string hex(const std::string& bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

Duration highest(Duration, Duration high) { return high; }
Duration lowest(Duration low, Duration) { return low; }

WebhookBatcher presence_batcher(std::size_t max_events = 3, std::int64_t wait_ms = 1000) {
  return WebhookBatcher(max_events, wait_ms, {"join", "online", "offline", "clone"});
}
}  // namespace

TEST_CASE("the HMAC under the signature matches RFC 4231 test case 2") {
  CHECK(hex(mi::hub::hmac_sha256("Jefe", "what do ya want for nothing?")) ==
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST_CASE("the signature signs '<t>.<body>' and reads t=..,v1=..") {
  // Computed independently: python3 -c 'import hmac,hashlib; print(hmac.new(b"s3cret",
  //   b"1700000000.{\"events\":[]}", hashlib.sha256).hexdigest())'
  const std::string expected = "41b4d3f6c59a79e37d083fb3cbe77f82807c4369fd469fb70cfa75e02d2e2775";
  CHECK(mi::hub::webhook_signature_v1("s3cret", 1700000000, R"({"events":[]})") == expected);
  CHECK(mi::hub::webhook_signature_header("s3cret", 1700000000, R"({"events":[]})") == "t=1700000000,v1=" + expected);
  CHECK(mi::hub::webhook_signature_v1("s3cret", 1700000001, R"({"events":[]})") != expected);
  CHECK(mi::hub::webhook_signature_v1("other", 1700000000, R"({"events":[]})") != expected);
}

TEST_CASE("a batch waits for its first event's ts plus the wait, then leaves") {
  const auto batcher = presence_batcher();
  std::vector<PendingWebhookEvent> pending{{7, "online", 10'000}, {8, "offline", 10'400}};
  auto early = batcher.plan(pending, false, 10'999);
  CHECK(early.action == Action::wait);
  CHECK(early.due_ms == 11'000);
  CHECK(early.events == std::vector<std::size_t>{0, 1});
  CHECK(early.through_seq == 8);
  auto due = batcher.plan(pending, false, 11'000);
  CHECK(due.action == Action::send);
  CHECK_FALSE(due.full);
  CHECK(due.events == std::vector<std::size_t>{0, 1});
}

TEST_CASE("a full batch leaves at once and stops at the event that would overfill it") {
  const auto batcher = presence_batcher(2);
  std::vector<PendingWebhookEvent> pending{
      {1, "join", 100}, {2, "update", 101}, {3, "online", 102}, {4, "chat", 103}, {5, "offline", 104}};
  auto plan = batcher.plan(pending, false, 100);
  CHECK(plan.action == Action::send);
  CHECK(plan.full);
  CHECK(plan.events == std::vector<std::size_t>{0, 2});
  // The chat after the last one sent is skipped with it; the offline is the next delivery's.
  CHECK(plan.through_seq == 4);
}

TEST_CASE("events not selected move the cursor without a delivery") {
  const auto batcher = presence_batcher();
  std::vector<PendingWebhookEvent> pending{{4, "update", 1}, {5, "chat", 2}};
  auto plan = batcher.plan(pending, false, 2);
  CHECK(plan.action == Action::skip);
  CHECK(plan.events.empty());
  CHECK(plan.through_seq == 5);
  CHECK(batcher.plan({}, false, 2).action == Action::nothing);
}

TEST_CASE("a batch cut short by the read leaves at once: waiting would not fill it sooner") {
  const auto batcher = presence_batcher(100);
  std::vector<PendingWebhookEvent> pending{{1, "online", 1000}};
  CHECK(batcher.plan(pending, false, 1000).action == Action::wait);
  CHECK(batcher.plan(pending, true, 1000).action == Action::send);
}

TEST_CASE("a zero wait sends every batch at once") {
  const auto batcher = presence_batcher(100, 0);
  std::vector<PendingWebhookEvent> pending{{1, "online", 5000}};
  CHECK(batcher.plan(pending, false, 5000).action == Action::send);
}

TEST_CASE("retries back off with full jitter, doubling, and never past the deadline") {
  WebhookRetry retry(10'000, JitteredBackoff(10ms, 250ms, 2s));
  retry.start(1'000);
  CHECK(retry.deadline_ms() == 11'000);
  std::vector<std::pair<Duration, Duration>> offered;
  auto recording = [&offered](Duration low, Duration high) {
    offered.emplace_back(low, high);
    return high;
  };
  CHECK(retry.after_failure(1'000, recording) == 1'250);
  CHECK(retry.after_failure(1'250, recording) == 1'750);
  CHECK(retry.after_failure(1'750, recording) == 2'750);
  REQUIRE(offered.size() == 3);
  CHECK(offered[0] == std::pair<Duration, Duration>(10ms, 250ms));
  CHECK(offered[1] == std::pair<Duration, Duration>(10ms, 500ms));
  CHECK(offered[2] == std::pair<Duration, Duration>(10ms, 1000ms));
  // The draw decides: the lowest end of the range.
  CHECK(retry.after_failure(2'750, lowest) == 2'760);
  // Capped at the deadline: one last attempt there.
  CHECK(retry.after_failure(10'900, highest) == 11'000);
  // At or past the deadline: dropped.
  CHECK_FALSE(retry.after_failure(11'000, highest).has_value());
  CHECK(retry.failures() == 6);
}

TEST_CASE("a new delivery starts its retries from the first ceiling") {
  WebhookRetry retry(60'000, JitteredBackoff(10ms, 250ms, 60s));
  retry.start(0);
  for (int i = 0; i < 5; ++i) (void)retry.after_failure(0, highest);
  retry.start(100);
  CHECK(retry.failures() == 0);
  CHECK(retry.after_failure(100, highest) == 350);
}

TEST_CASE("a zero retry window drops after the first failure") {
  WebhookRetry retry(0, JitteredBackoff(10ms, 250ms, 60s));
  retry.start(5);
  CHECK_FALSE(retry.after_failure(5, highest).has_value());
}
