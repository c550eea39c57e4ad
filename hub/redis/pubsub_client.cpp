#include "hub/redis/pubsub_client.hpp"

#include <string_view>

#include <boost/asio/post.hpp>
#include <hiredis/async.h>

namespace mi::redis::detail {
namespace {

namespace asio = boost::asio;
using boost::system::error_code;

void pubsub_reply_callback(redisAsyncContext* context, void* reply, void*) {
  if (reply == nullptr) return;  // the context is being freed
  auto* link = static_cast<Link*>(context->data);
  static_cast<PubSubClient&>(link->owner()).on_pubsub_reply(*static_cast<const redisReply*>(reply));
}

}  // namespace

PubSubClient::PubSubClient(asio::any_io_executor executor, Endpoint endpoint, ConnectionOptions options,
                           Subscriber::MessageHandler on_message)
    : Supervisor(std::move(executor), std::move(endpoint), options, false),  // pub/sub has no db
      on_message_(std::move(on_message)),
      tracker_(options_.command_timeout),
      confirm_timer_(executor_) {}

PubSubClient::~PubSubClient() { stop(); }

void PubSubClient::subscribe(const std::string& channel, std::function<void()> on_subscribed) {
  carry_out(tracker_.subscribe(channel, std::move(on_subscribed), Clock::now()));
}

void PubSubClient::unsubscribe(const std::string& channel) { carry_out(tracker_.unsubscribe(channel)); }

void PubSubClient::on_ready() { carry_out(tracker_.on_link_ready(Clock::now())); }

void PubSubClient::on_pubsub_reply(const redisReply& reply) {
  // RESP2 pub/sub frames: [kind, channel, payload-or-count]. hiredis checked the first two.
  if (reply.type != REDIS_REPLY_ARRAY || reply.elements < 3) return;
  const redisReply& kind = *reply.element[0];
  const redisReply& channel = *reply.element[1];
  const std::string_view kind_text(kind.str, kind.len);
  if (kind_text == "message") {
    const redisReply& payload = *reply.element[2];
    if (payload.type != REDIS_REPLY_STRING) return;
    // Handed over after the read (after_read): no user code inside hiredis. A read is bounded
    // (Link::kMaxReadsAtOnce times hiredis' 16 KiB), which bounds what is held.
    read_messages_.emplace_back(std::string(channel.str, channel.len), std::string(payload.str, payload.len));
  } else if (kind_text == "subscribe") {
    carry_out(tracker_.on_confirmation(std::string_view(channel.str, channel.len)));
  }
}

// The messages of one read, in order, then the end of them.
void PubSubClient::after_read() {
  if (read_messages_.empty()) return;
  auto messages = std::move(read_messages_);
  read_messages_.clear();
  bool delivered = false;
  for (const auto& [channel, body] : messages) {
    if (stopped()) return;
    if (!tracker_.wants(channel)) continue;  // unsubscribed meanwhile
    if (on_message_) on_message_(channel, body);
    delivered = true;
  }
  if (delivered && !stopped() && on_messages_end_) on_messages_end_();
}

void PubSubClient::carry_out(SubscriptionActions actions) {
  using Kind = SubscriptionAction::Kind;
  for (auto& action : actions) {
    switch (action.kind) {
      case Kind::send_subscribe:
        send("SUBSCRIBE", action.channels);
        break;
      case Kind::send_unsubscribe:
        send("UNSUBSCRIBE", action.channels);
        break;
      case Kind::run_callbacks:
        for (auto& callback : action.callbacks) asio::post(executor_, std::move(callback));
        break;
      case Kind::announce_resubscribed:
        post_resubscribed();
        break;
      case Kind::watch_deadline:
        watch_deadline(action.deadline);
        break;
      case Kind::drop_link:
        close_link(Errc::connection_lost);
        break;
    }
  }
}

bool PubSubClient::send(std::string_view verb, const std::vector<std::string>& channels) {
  if (!link() || link()->context() == nullptr) return false;
  std::vector<const char*> argv{verb.data()};
  std::vector<std::size_t> sizes{verb.size()};
  for (const auto& channel : channels) {
    argv.push_back(channel.data());
    sizes.push_back(channel.size());
  }
  // hiredis keeps (callback, privdata) per channel and calls it for the confirmation, for every
  // message and, with NULL, when it frees the context; privdata is unused (context->data is).
  return redisAsyncCommandArgv(link()->context(), &pubsub_reply_callback, nullptr, static_cast<int>(argv.size()),
                               argv.data(), sizes.data()) == REDIS_OK;
}

void PubSubClient::watch_deadline(Clock::time_point deadline) {
  if (confirm_timer_armed_) return;  // it waits for an older deadline, which comes first
  confirm_timer_armed_ = true;
  confirm_timer_.expires_at(deadline);
  confirm_timer_.async_wait([weak = weak_self<PubSubClient>()](const error_code& ec) {
    const auto self = weak.lock();
    if (!self) return;
    self->confirm_timer_armed_ = false;
    if (!ec) self->carry_out(self->tracker_.check_deadline(Clock::now()));
  });
}

void PubSubClient::post_resubscribed() {
  asio::post(executor_, [weak = weak_self<PubSubClient>()] {
    const auto self = weak.lock();
    if (self && !self->stopped() && self->on_resubscribed_) self->on_resubscribed_();
  });
}

}  // namespace mi::redis::detail
