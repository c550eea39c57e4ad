#include "hub/shard.hpp"

#include <algorithm>

#include <boost/asio/post.hpp>

#include "hub/log.hpp"
#include "hub/steady_clock.hpp"
#include "hub/ws_session.hpp"

namespace mi::hub {

namespace asio = boost::asio;

std::chrono::milliseconds deadline_check_period(const Config& config) {
  auto period = config.presence_ttl / 8;
  return std::clamp(period, std::chrono::milliseconds(50), std::chrono::milliseconds(1000));
}

namespace {
redis::ConnectionOptions connection_options(const Config& config) {
  redis::ConnectionOptions options;
  options.command_timeout = config.redis_command_timeout;
  options.connect_timeout = config.redis_connect_timeout;
  return options;
}
}  // namespace

Shard::Shard(HubContext& context, unsigned index)
    : context_(context),
      index_(index),
      redis_(std::make_shared<redis::Connection>(io_.get_executor(), context.redis_endpoint,
                                                 connection_options(context.config), redis::builtin_scripts())) {}

Shard::~Shard() { stop(); }

void Shard::start() {
  redis_->start();
  schedule_tick();
  thread_ = std::thread([this] {
    try {
      io_.run();
    } catch (const std::exception& e) {
      log::error("shard ", index_, " stopped on an exception: ", e.what());
      std::abort();
    }
  });
}

void Shard::stop() {
  if (!thread_.joinable()) return;
  asio::post(io_, [this] {
    tick_timer_.cancel();
    redis_->stop();
    io_.stop();
  });
  thread_.join();
}

Shard::SessionList::iterator Shard::add_session(std::weak_ptr<WsSession> session) {
  return sessions_.insert(sessions_.end(), std::move(session));
}

void Shard::remove_session(SessionList::iterator position) { sessions_.erase(position); }

void Shard::close_all_sessions_for_drain() {
  for (auto& weak : sessions_) {
    if (auto session = weak.lock()) session->close(1012, "hub restarting", "drained");
  }
}

std::string Shard::next_connection_id() {
  return context_.hub_id + "/" + std::to_string(index_) + "/" + std::to_string(++connection_counter_);
}

void Shard::schedule_tick() {
  tick_timer_.expires_after(deadline_check_period(context_.config));
  tick_timer_.async_wait([this](boost::system::error_code ec) {
    if (ec) return;
    tick();
    schedule_tick();
  });
}

void Shard::tick() {
  auto now = steady_ms();
  for (auto& weak : sessions_) {
    if (auto session = weak.lock()) session->check_deadlines(now);
  }
}

}  // namespace mi::hub
