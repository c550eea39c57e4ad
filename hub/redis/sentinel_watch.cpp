#include "hub/redis/sentinel_watch.hpp"

#include <string>
#include <utility>
#include <vector>

#include <boost/asio/post.hpp>
#include <hiredis/hiredis.h>

#include "hub/redis/hiredis_reply.hpp"
#include "hub/redis/sentinel_replies.hpp"

namespace mi::redis::detail {
namespace {

constexpr const char* kSwitchChannel = "+switch-master";

SentinelWatch& watch_of(redisAsyncContext* context) {
  return static_cast<SentinelWatch&>(static_cast<Link*>(context->data)->owner());
}

bool send(Link& link, redisCallbackFn* callback, const std::vector<std::string>& args) {
  std::vector<const char*> argv;
  std::vector<std::size_t> lengths;
  for (const auto& arg : args) {
    argv.push_back(arg.data());
    lengths.push_back(arg.size());
  }
  return redisAsyncCommandArgv(link.context(), callback, nullptr, static_cast<int>(argv.size()), argv.data(),
                               lengths.data()) == REDIS_OK;
}

}  // namespace

SentinelWatch::SentinelWatch(boost::asio::any_io_executor executor, Endpoint endpoint, std::size_t first,
                             Handlers handlers)
    : executor_(std::move(executor)), endpoint_(std::move(endpoint)), first_(first), handlers_(std::move(handlers)) {}

void SentinelWatch::start() { ask(0); }

void SentinelWatch::stop() {
  stopped_ = true;
  phase_ = Phase::over;
  if (link_ && link_->context() != nullptr) {
    const std::shared_ptr<Link> link = link_;  // hiredis calls cleanup (-> link_.reset()) in here
    link->close();
  }
  link_.reset();
}

std::shared_ptr<LinkOwner> SentinelWatch::keep_alive() { return weak_from_this().lock(); }

void SentinelWatch::post(std::function<void(SentinelWatch&)> step) {
  boost::asio::post(executor_, [weak = weak_from_this(), step = std::move(step)] {
    const auto self = weak.lock();
    if (self && !self->stopped_) step(*self);
  });
}

void SentinelWatch::ask(std::size_t tried) {
  if (stopped_) return;
  tried_ = tried;
  if (tried >= endpoint_.sentinels.size()) {
    phase_ = Phase::over;
    post([reason = last_reason_](SentinelWatch& self) { self.handlers_.on_failed(reason); });
    return;
  }
  const auto& sentinel = endpoint_.sentinels[(first_ + tried) % endpoint_.sentinels.size()];
  // What on_failed reports if this one is the last, unless it answers something more precise.
  last_reason_ = "sentinel " + sentinel.describe() + " could not be reached";
  link_ = Link::open(executor_, *this, endpoint_.at(sentinel));
  if (!link_) post([next = tried + 1](SentinelWatch& self) { self.ask(next); });
}

void SentinelWatch::on_link_connected(Link& link) {
  if (link_.get() != &link) return;
  // A sentinel with no password answers AUTH with an error, which changes nothing: its reply is
  // not waited for. One that needs a password refuses the query below without it.
  if (const auto& credentials = endpoint_.credentials) {
    std::vector<std::string> auth{"AUTH"};
    if (!credentials->user.empty()) auth.push_back(credentials->user);
    auth.push_back(credentials->password);
    send(link, nullptr, auth);
  }
  if (!send(link, &SentinelWatch::on_query_reply, {"SENTINEL", "get-master-addr-by-name", endpoint_.master_name})) {
    give_up_on_this_sentinel("the question could not be sent");
  }
}

void SentinelWatch::on_query_reply(redisAsyncContext* context, void* reply, void* /*privdata*/) {
  if (reply == nullptr) return;  // the link is going away: on_link_closed goes on
  auto& self = watch_of(context);
  if (self.phase_ != Phase::asking || self.stopped_) return;
  const auto copied = copy_reply(*static_cast<const redisReply*>(reply));
  const auto primary = primary_address(copied);
  if (!primary) {
    self.give_up_on_this_sentinel(copied.is_error() ? "it answered " + copied.str
                                                    : "it does not know master " + self.endpoint_.master_name);
    return;
  }
  self.phase_ = Phase::subscribed;
  const auto index = (self.first_ + self.tried_) % self.endpoint_.sentinels.size();
  self.post([primary = *primary, index](SentinelWatch& watch) { watch.handlers_.on_found(primary, index); });
  send(*self.link_, &SentinelWatch::on_switch_message, {"SUBSCRIBE", kSwitchChannel});
}

void SentinelWatch::on_switch_message(redisAsyncContext* context, void* reply, void* /*privdata*/) {
  if (reply == nullptr) return;
  auto& self = watch_of(context);
  const auto copied = copy_reply(*static_cast<const redisReply*>(reply));
  // ["subscribe", channel, count] first, then ["message", channel, payload] for each failover.
  if (!copied.is_array() || copied.elements.size() != 3 || copied.elements[0].str != "message") return;
  if (auto moved = switched_primary(copied.elements[2].str, self.endpoint_.master_name)) {
    self.post([moved = *moved](SentinelWatch& watch) { watch.handlers_.on_moved(moved); });
  }
}

void SentinelWatch::give_up_on_this_sentinel(std::string reason) {
  const auto& sentinel = endpoint_.sentinels[(first_ + tried_) % endpoint_.sentinels.size()];
  last_reason_ = "sentinel " + sentinel.describe() + ": " + std::move(reason);
  // Closed on the next turn (never free a context from inside hiredis); its loss asks the next.
  post([link = std::weak_ptr<Link>(link_)](SentinelWatch& self) {
    if (auto held = link.lock(); held && held == self.link_ && held->context() != nullptr) held->close();
  });
}

void SentinelWatch::on_link_closed(Link& link) {
  if (link_.get() != &link) return;
  link_.reset();
  if (phase_ == Phase::asking) {
    post([next = tried_ + 1](SentinelWatch& self) { self.ask(next); });
    return;
  }
  // Subscribed: the watch ends. A failover is still noticed when the primary link fails, and the
  // next connection asks again (and subscribes again).
  phase_ = Phase::over;
}

}  // namespace mi::redis::detail
