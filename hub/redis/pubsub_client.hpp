#pragma once
// The pub/sub side of Subscriber: carries out what the SubscriptionTracker decides
// (subscription_tracker.hpp) on the supervised link, and hands messages over.
//
// No caller's code runs inside hiredis (it could stop or destroy the client under hiredis' feet).
// The messages of one read are handed to on_message right after that read, in the same handler
// (Link::read_now -> after_read), then on_messages_end: a posted step would wait behind the rest
// of the loop's work. Confirmation callbacks and on_resubscribed are posted to the executor.

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <hiredis/hiredis.h>

#include "hub/redis/connection.hpp"
#include "hub/redis/subscription_tracker.hpp"
#include "hub/redis/supervisor.hpp"

namespace mi::redis::detail {

class PubSubClient : public Supervisor {
 public:
  PubSubClient(boost::asio::any_io_executor executor, Endpoint endpoint, ConnectionOptions options,
               Subscriber::MessageHandler on_message);
  ~PubSubClient() override;  // stop(), while the members the callbacks use still exist
  // Drops the current link, which the supervisor replaces (with backoff).
  void rebuild() { close_link(Errc::connection_lost); }

  void set_on_resubscribed(std::function<void()> callback) { on_resubscribed_ = std::move(callback); }
  void set_on_messages_end(std::function<void()> callback) { on_messages_end_ = std::move(callback); }

  void subscribe(const std::string& channel, std::function<void()> on_subscribed);
  void unsubscribe(const std::string& channel);

  // hiredis' callback for every frame of a subscribed channel (inside hiredis).
  void on_pubsub_reply(const redisReply& reply);

 private:
  // Supervisor
  void after_read() override;
  void on_ready() override;
  void on_link_down() override { tracker_.on_link_down(); }
  void on_stopping() override { confirm_timer_.cancel(); }

  void carry_out(SubscriptionActions actions);
  bool send(std::string_view verb, const std::vector<std::string>& channels);
  void watch_deadline(Clock::time_point deadline);
  void post_resubscribed();

  Subscriber::MessageHandler on_message_;
  std::function<void()> on_messages_end_;
  std::function<void()> on_resubscribed_;
  std::vector<std::pair<std::string, std::string>> read_messages_;  // channel, payload
  SubscriptionTracker tracker_;
  boost::asio::steady_timer confirm_timer_;
  bool confirm_timer_armed_ = false;
};

}  // namespace mi::redis::detail
