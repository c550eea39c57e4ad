#include "hub/webhook/webhook_pump.hpp"

#include <algorithm>
#include <charconv>
#include <stdexcept>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>

#include "hub/core/backoff.hpp"
#include "hub/core/clock.hpp"
#include "hub/core/crypto.hpp"
#include "hub/core/log.hpp"
#include "hub/core/no_throw.hpp"
#include "hub/core/webhook_signature.hpp"
#include "hub/redis/args.hpp"
#include "hub/store/redis_failure.hpp"
#include "protocol/event_header.hpp"

namespace mi::hub {

namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {
// Colonies per SSCAN page of a pass.
constexpr int kColoniesPerPage = 100;
// Deliveries this hub runs at once, over all colonies; a colony past it waits for a later pass.
constexpr std::size_t kMaxConcurrentDeliveries = 64;
// Events read from a stream per take: enough for a full delivery behind many unselected events.
constexpr int kEventsPerTake = 1000;
// Retries: the first waits up to 250 ms, each failure doubles that up to a minute, the draw is
// uniform in [10 ms, ceiling] (full jitter), so that a recovering endpoint is not hit by every
// colony at once.
constexpr auto kRetryFloor = 10ms;
constexpr auto kRetryFirstCeiling = 250ms;
constexpr auto kRetryMaxCeiling = 60s;

// The event's "ts" (the head the scripts write: ..."epoch":"...","ts":<ms>,...), 0 when absent.
std::int64_t event_ts(std::string_view event) {
  static constexpr std::string_view kTs = ",\"ts\":";
  const auto at = event.find(kTs);
  if (at == std::string_view::npos) return 0;
  std::int64_t ts = 0;
  const char* begin = event.data() + at + kTs.size();
  std::from_chars(begin, event.data() + event.size(), ts);
  return ts;
}
}  // namespace

struct WebhookPump::Taken {
  int state = 0;  // webhook_take.lua's: 0 nothing owed, 1 another hub's, 2 ours
  std::uint64_t after = 0;  // the cursor
  std::uint64_t lost = 0;
  bool more = false;
  std::string epoch;
  std::vector<std::string> events;
  std::vector<PendingWebhookEvent> pending;  // views into `events` (index()); those that parse
  std::vector<std::size_t> pending_event;    // pending[i] is events[pending_event[i]]

  void index() {
    pending.clear();
    pending_event.clear();
    for (std::size_t i = 0; i < events.size(); ++i) {
      auto header = protocol::peek_event_header(events[i]);
      if (!header) continue;
      pending.push_back({header->seq, header->kind, event_ts(events[i])});
      pending_event.push_back(i);
    }
  }
};

WebhookPump::WebhookPump(HubContext& context, Shard& home)
    : context_(context),
      home_(home),
      client_([&context] {
        auto url = WebhookUrl::parse(context.config.webhook_url);
        if (!url) throw std::invalid_argument("--webhook-url names no host: " + context.config.webhook_url);
        return *url;
      }()),
      batcher_(context.config.webhook_batch_events, context.config.webhook_batch_wait.count(),
               context.config.webhook_events),
      // Long enough for an attempt and its answer; short enough that a dead hub's colonies are
      // carried on soon.
      lease_ms_(2 * context.config.webhook_timeout.count() + 2000),
      scan_period_(std::clamp(std::chrono::duration_cast<std::chrono::milliseconds>(context.config.webhook_batch_wait) / 4,
                              std::chrono::milliseconds(10), std::chrono::milliseconds(250))),
      busy_poll_ms_(std::clamp<std::int64_t>(context.config.webhook_batch_wait.count() / 20, 5, 50)),
      scan_timer_(home.io()),
      random_(std::random_device{}()) {}

WebhookPump::~WebhookPump() = default;

void WebhookPump::start() {
  log::info("webhooks: delivering ", [this] {
    std::string kinds;
    for (const auto& kind : context_.config.webhook_events) kinds += (kinds.empty() ? "" : ",") + kind;
    return kinds;
  }(), " to ", client_.url().host_header);
  asio::co_spawn(home_.io(), scan_loop(), asio::detached);
}

void WebhookPump::stop() {
  asio::post(home_.io(), [this] {
    stopped_ = true;
    scan_timer_.cancel();
  });
}

asio::awaitable<void> WebhookPump::release() {
  stopped_ = true;
  scan_timer_.cancel();
  const std::vector<std::string> held(leased_.begin(), leased_.end());
  for (const auto& colony : held) {
    auto keys = mi::redis::args(context_.keys.colony_prefix(colony));
    auto argv = mi::redis::args(context_.instance, "0");
    co_await home_.redis().eval("webhook_lease", std::move(keys), std::move(argv));
  }
}

asio::awaitable<void> WebhookPump::scan_loop() {
  while (!stopped_) {
    if (home_.redis().is_connected()) co_await scan_once();
    scan_timer_.expires_after(scan_period_);
    [[maybe_unused]] auto [ec] = co_await scan_timer_.async_wait(kNoThrow);
    if (stopped_) break;
  }
}

asio::awaitable<void> WebhookPump::scan_once() {
  auto& redis = home_.redis();
  std::int64_t oldest_ts = 0;
  std::string cursor = "0";
  do {
    auto command = mi::redis::args("SSCAN", context_.keys.colonies(), cursor, "COUNT", std::to_string(kColoniesPerPage));
    auto page = co_await redis.exec(std::move(command));
    if (redis_failed(page) || !page.reply.is_array() || page.reply.elements.size() != 2) co_return;
    cursor = page.reply.elements[0].str;
    // One round trip for the page: each colony's seq beside its cursor. Only a colony whose seq
    // differs from its cursor (events owed, or a history that moved backwards) or that has no
    // cursor yet is looked at with a script.
    std::vector<std::string> colonies;
    std::vector<std::vector<std::string>> reads;
    for (const auto& member : page.reply.elements[1].elements) {
      if (delivering_.contains(member.str)) continue;
      const auto prefix = context_.keys.colony_prefix(member.str);
      colonies.push_back(member.str);
      reads.push_back(mi::redis::args("GET", prefix + "seq"));
      reads.push_back(mi::redis::args("HGET", prefix + "webhook:cursor", "seq"));
    }
    if (colonies.empty()) continue;
    auto positions = co_await redis.exec_pipeline(std::move(reads));
    if (positions.ec || positions.replies.size() != 2 * colonies.size()) co_return;
    for (std::size_t i = 0; i < colonies.size(); ++i) {
      if (stopped_) co_return;
      const auto& seq = positions.replies[2 * i];
      const auto& acknowledged = positions.replies[2 * i + 1];
      if (!seq.is_string()) continue;  // no event yet
      if (acknowledged.is_string() && acknowledged.str == seq.str) continue;  // nothing owed
      if (delivering_.contains(colonies[i])) continue;  // started while this page was read
      co_await visit(colonies[i], oldest_ts);
    }
  } while (cursor != "0");
  for (const auto& [colony, ts] : delivering_) {
    if (ts > 0 && (oldest_ts == 0 || ts < oldest_ts)) oldest_ts = ts;
  }
  context_.metrics.webhook_oldest_undelivered_ts_ms.store(oldest_ts, std::memory_order_relaxed);
}

asio::awaitable<std::optional<WebhookPump::Taken>> WebhookPump::take(const std::string& colony) {
  auto keys = mi::redis::args(context_.keys.colony_prefix(colony));
  auto argv = mi::redis::args(context_.instance, std::to_string(lease_ms_), std::to_string(kEventsPerTake));
  auto result = co_await home_.redis().eval("webhook_take", std::move(keys), std::move(argv));
  if (redis_failed(result) || !result.reply.is_array() || result.reply.elements.size() < 5) co_return std::nullopt;
  const auto& elements = result.reply.elements;
  Taken taken;
  taken.state = static_cast<int>(elements[0].integer);
  taken.after = static_cast<std::uint64_t>(std::max<long long>(elements[1].integer, 0));
  taken.lost = static_cast<std::uint64_t>(std::max<long long>(elements[2].integer, 0));
  taken.more = elements[3].integer == 1;
  taken.epoch = elements[4].str;
  for (std::size_t i = 5; i < elements.size(); ++i) taken.events.push_back(elements[i].str);
  if (taken.state == 2) {
    leased_.insert(colony);
  } else {
    leased_.erase(colony);
  }
  co_return taken;
}

asio::awaitable<void> WebhookPump::visit(const std::string& colony, std::int64_t& oldest_ts) {
  auto taken = co_await take(colony);
  if (!taken || taken->state == 0) co_return;
  taken->index();
  auto fold = [&oldest_ts](std::int64_t ts) {
    if (ts > 0 && (oldest_ts == 0 || ts < oldest_ts)) oldest_ts = ts;
  };
  if (taken->state == 1) {
    if (!taken->pending.empty()) fold(taken->pending.front().ts_ms);
    co_return;
  }
  const auto plan = batcher_.plan(taken->pending, taken->more, now_ms());
  if (!plan.events.empty()) fold(taken->pending[plan.events.front()].ts_ms);
  const bool act = plan.action == WebhookBatchPlan::Action::send || plan.action == WebhookBatchPlan::Action::skip ||
                   taken->lost > 0 || (plan.action == WebhookBatchPlan::Action::nothing && !taken->events.empty());
  if (!act || delivering_.size() >= kMaxConcurrentDeliveries) co_return;
  delivering_[colony] = plan.events.empty() ? 0 : taken->pending[plan.events.front()].ts_ms;
  auto first = std::make_shared<Taken>(std::move(*taken));
  asio::co_spawn(home_.io(), deliver(colony, std::move(first)), asio::detached);
}

asio::awaitable<void> WebhookPump::deliver(std::string colony, std::shared_ptr<Taken> first) {
  const auto& config = context_.config;
  auto& metrics = context_.metrics;
  WebhookRetry retry(config.webhook_retry_for.count(), JitteredBackoff(kRetryFloor, kRetryFirstCeiling, kRetryMaxCeiling));
  const auto draw = uniform_draw<std::chrono::milliseconds>(random_);
  std::optional<Taken> taken(std::move(*first));
  first.reset();
  bool busy = false;  // the last delivery was full
  while (!stopped_ && taken && taken->state == 2) {
    taken->index();  // views into its own strings: made where it now lives
    if (taken->lost > 0) {
      metrics.webhook_events_dropped.fetch_add(taken->lost, std::memory_order_relaxed);
      log::warn("webhooks: colony ", colony, ": ", taken->lost,
                " event(s) left the event stream before they were delivered (dropped)");
      // Past them at once, so that they are counted once whatever comes next.
      const std::uint64_t past_lost = taken->after + taken->lost;
      const bool moved = co_await ack(colony, past_lost, taken->epoch);
      if (!moved) break;
      taken->lost = 0;
    }
    const auto plan = batcher_.plan(taken->pending, taken->more, now_ms());
    if (plan.action == WebhookBatchPlan::Action::wait) {
      // A quiet colony goes back to the passes. One that just filled a delivery is likely to fill
      // the next one before it is due: it is looked at again soon, not a pass later, until it
      // sends a delivery that is not full (at most a batch wait later).
      if (!busy) break;
      delivering_[colony] = taken->pending[plan.events.front()].ts_ms;
      const auto pause = std::min<std::int64_t>(plan.due_ms - now_ms(), busy_poll_ms_);
      if (pause > 0) {
        asio::steady_timer timer(home_.io());
        timer.expires_after(std::chrono::milliseconds(pause));
        [[maybe_unused]] auto [ec] = co_await timer.async_wait(kNoThrow);
      }
      taken = co_await take(colony);  // renews the lease
      continue;
    }
    if (plan.action == WebhookBatchPlan::Action::nothing) {
      // Nothing readable after the cursor: the lost ones (counted above) or unparsable entries.
      if (taken->pending.empty() && taken->events.empty() && taken->lost == 0) break;
      std::uint64_t through = 0;
      if (!taken->pending.empty()) through = taken->pending.back().seq;
      if (through == 0) break;
      const bool moved = co_await ack(colony, through, taken->epoch);
      if (!moved) break;
      taken = co_await take(colony);
      continue;
    }
    if (plan.action == WebhookBatchPlan::Action::skip) {
      const bool moved = co_await ack(colony, plan.through_seq, taken->epoch);
      if (!moved) break;
      taken = co_await take(colony);
      continue;
    }
    delivering_[colony] = taken->pending[plan.events.front()].ts_ms;
    std::string body = "{\"events\":[";
    for (std::size_t n = 0; n < plan.events.size(); ++n) {
      if (n > 0) body += ',';
      body += taken->events[taken->pending_event[plan.events[n]]];
    }
    body += "]}";
    const auto delivery_id = new_delivery_id();
    retry.start(now_ms());
    bool holding = true;
    for (;;) {
      const auto signature = webhook_signature_header(config.webhook_secret, now_ms() / 1000, body);
      const auto timeout = std::chrono::duration_cast<std::chrono::milliseconds>(config.webhook_timeout);
      asio::any_io_executor executor = home_.io().get_executor();
      auto response = co_await client_.post(executor, body, signature, delivery_id, timeout);
      if (response.status >= 200 && response.status < 300) {
        busy = plan.full;
        metrics.webhook_deliveries.fetch_add(1, std::memory_order_relaxed);
        metrics.webhook_events_delivered.fetch_add(plan.events.size(), std::memory_order_relaxed);
        holding = co_await ack(colony, plan.through_seq, taken->epoch);
        break;
      }
      metrics.webhook_failures.fetch_add(1, std::memory_order_relaxed);
      if (retry.failures() == 0) {
        log::warn("webhooks: colony ", colony, ": delivery ", delivery_id, " failed (",
                  response.status != 0 ? "HTTP " + std::to_string(response.status) : response.error,
                  "); retrying for up to ", config.webhook_retry_for.count(), " ms");
      }
      const auto next = retry.after_failure(now_ms(), draw);
      if (!next) {
        metrics.webhook_events_dropped.fetch_add(plan.events.size(), std::memory_order_relaxed);
        log::error("webhooks: colony ", colony, ": gave up delivery ", delivery_id, " of ", plan.events.size(),
                   " event(s) (seq up to ", plan.through_seq, ") after ", retry.failures(), " attempts");
        holding = co_await ack(colony, plan.through_seq, taken->epoch);
        break;
      }
      holding = co_await wait_holding(colony, *next);
      if (!holding || stopped_) break;
    }
    if (!holding || stopped_) break;
    taken = co_await take(colony);
  }
  delivering_.erase(colony);
}

asio::awaitable<bool> WebhookPump::wait_holding(const std::string& colony, std::int64_t until_ms) {
  asio::steady_timer timer(home_.io());
  for (;;) {
    const auto left = until_ms - now_ms();
    if (left <= 0) co_return true;
    timer.expires_after(std::chrono::milliseconds(std::min(left, lease_ms_ / 3)));
    [[maybe_unused]] auto [ec] = co_await timer.async_wait(kNoThrow);
    if (stopped_) co_return false;
    auto keys = mi::redis::args(context_.keys.colony_prefix(colony));
    auto argv = mi::redis::args(context_.instance, std::to_string(lease_ms_));
    auto renewed = co_await home_.redis().eval("webhook_lease", std::move(keys), std::move(argv));
    // Redis unreachable: keep waiting; the lease may lapse, and then another hub delivers too,
    // which the endpoint's dedupe absorbs.
    if (!redis_failed(renewed) && renewed.reply.is_integer() && renewed.reply.integer == 0) co_return false;
  }
}

asio::awaitable<bool> WebhookPump::ack(const std::string& colony, std::uint64_t through_seq, const std::string& epoch) {
  auto keys = mi::redis::args(context_.keys.colony_prefix(colony));
  // A delivery answered after this hub released its leases (a drain) moves the cursor but does
  // not take the lease back from the hub carrying on.
  const auto lease = stopped_ ? std::string("0") : std::to_string(lease_ms_);
  auto argv = mi::redis::args(context_.instance, std::to_string(through_seq), epoch, lease);
  auto result = co_await home_.redis().eval("webhook_ack", std::move(keys), std::move(argv));
  // Not acknowledged in Redis: the next take reads the same events again (at least once).
  co_return !redis_failed(result) && result.reply.is_integer() && result.reply.integer == 1;
}

std::string WebhookPump::new_delivery_id() {
  return base64url(random_bytes(12)) + "-" + std::to_string(++next_delivery_);
}

}  // namespace mi::hub
