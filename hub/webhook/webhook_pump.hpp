#pragma once
// Webhook delivery (docs/webhooks.md). Every hub runs a pump; the pumps share the work through
// Redis: per colony a delivery cursor (the last seq acknowledged) and a lease naming the one hub
// that delivers the colony now, so that a colony's deliveries leave one at a time, in seq order.
// A pump passes over the set of colonies every scan period; a colony with events past its cursor
// and no live lease is taken (webhook_take.lua). Its events are read from the colony's event
// stream, filtered by --webhook-events, batched, signed and POSTed; a 2xx moves the cursor
// (webhook_ack.lua); anything else is retried with backoff until --webhook-retry-for, then given
// up and counted. A hub that dies leaves a lease that lapses: the next pass of another hub takes
// the colony and carries on from its cursor. Runs on shard 0's loop.

#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include "hub/core/webhook_plan.hpp"
#include "hub/fanout/hub_context.hpp"
#include "hub/fanout/shard.hpp"
#include "hub/webhook/webhook_client.hpp"

namespace mi::hub {

class WebhookPump {
 public:
  // Needs a configured --webhook-url (Config::webhook_url not empty and valid).
  WebhookPump(HubContext& context, Shard& home);
  ~WebhookPump();

  void start();
  void stop();
  // After a drain: gives up the leases this hub holds, so that another hub carries on at once.
  // Run on the home shard's loop.
  boost::asio::awaitable<void> release();

 private:
  struct Taken;  // a reply of webhook_take

  boost::asio::awaitable<void> scan_loop();
  boost::asio::awaitable<void> scan_once();
  // Looks at one colony: takes it when it owes a delivery due now (starting a delivery), and
  // folds the age of what it owes into the pass's oldest.
  boost::asio::awaitable<void> visit(const std::string& colony, std::int64_t& oldest_ts);
  boost::asio::awaitable<std::optional<Taken>> take(const std::string& colony);
  // Delivers the colony until it owes nothing due, then returns.
  boost::asio::awaitable<void> deliver(std::string colony, std::shared_ptr<Taken> first);
  // Waits until `until_ms`, renewing the lease. False when the lease went to another hub (or stop).
  boost::asio::awaitable<bool> wait_holding(const std::string& colony, std::int64_t until_ms);
  boost::asio::awaitable<bool> ack(const std::string& colony, std::uint64_t through_seq, const std::string& epoch);
  std::string new_delivery_id();

  HubContext& context_;
  Shard& home_;
  WebhookClient client_;
  WebhookBatcher batcher_;
  std::int64_t lease_ms_;
  std::chrono::milliseconds scan_period_;
  // How soon a colony that just filled a delivery is looked at again while its next one waits.
  std::int64_t busy_poll_ms_;
  boost::asio::steady_timer scan_timer_;
  std::mt19937_64 random_;
  // Colonies being delivered by this hub, with the ts of the oldest event each still owes.
  std::map<std::string, std::int64_t> delivering_;
  // Colonies whose lease this hub took last time it looked (released at a drain). A colony
  // leaves it when a look finds nothing owed or another hub delivering.
  std::set<std::string> leased_;
  std::uint64_t next_delivery_ = 0;
  bool stopped_ = false;
};

}  // namespace mi::hub
