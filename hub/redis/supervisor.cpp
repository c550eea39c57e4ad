#include "hub/redis/supervisor.hpp"

#include <string>
#include <utility>
#include <vector>

#include <boost/asio/post.hpp>
#include <hiredis/hiredis.h>

#include "hub/core/log.hpp"
#include "hub/redis/hiredis_reply.hpp"

namespace mi::redis::detail {
namespace {

namespace asio = boost::asio;
using boost::system::error_code;

SupervisorFsm::Config fsm_config(const ConnectionOptions& options, const LinkSetup& setup, const Endpoint& endpoint) {
  return {.connect_timeout = options.connect_timeout,
          .backoff_min = options.reconnect_backoff_min,
          .backoff_max = options.reconnect_backoff_max,
          .has_setup = !setup.empty(),
          .discover_primary = !endpoint.sentinels.empty()};
}

}  // namespace

Supervisor::Supervisor(asio::any_io_executor executor, Endpoint endpoint, ConnectionOptions options, bool select_db)
    : executor_(std::move(executor)),
      endpoint_(std::move(endpoint)),
      options_(options),
      setup_(endpoint_, select_db, /*identify_server=*/select_db),
      random_(std::random_device{}()),
      fsm_(fsm_config(options_, setup_, endpoint_), mi::hub::uniform_draw<std::chrono::milliseconds>(random_)),
      connect_timer_(executor_),
      reconnect_timer_(executor_) {}

void Supervisor::start() { carry_out(fsm_.on_start()); }

void Supervisor::stop() {
  if (stopped()) return;
  const SupervisorActions actions = fsm_.on_stop();  // first, so that the loss below schedules nothing
  on_stopping();
  carry_out(actions);
  stop_discovery();  // a ready link keeps its watch of +switch-master
}

Endpoint Supervisor::target() const {
  if (endpoint_.kind != Endpoint::Kind::sentinel || !primary_) return endpoint_;
  return endpoint_.at(*primary_);
}

void Supervisor::discover_primary(std::uint64_t attempt) {
  stop_discovery();
  SentinelWatch::Handlers handlers{
      .on_found =
          [weak = weak_from_this(), attempt](const HostPort& primary, std::size_t sentinel) {
            const auto self = weak.lock();
            if (!self) return;
            if (self->primary_ != primary) {
              mi::hub::log::info("Redis primary of ", self->endpoint_.master_name, " is at ", primary.describe(),
                                 " (said sentinel ", self->endpoint_.sentinels[sentinel].describe(), ")");
            }
            self->primary_ = primary;
            self->next_sentinel_ = sentinel;
            self->last_discovery_failure_.clear();
            self->carry_out(self->fsm_.on_primary_found(attempt));
          },
      .on_failed =
          [weak = weak_from_this(), attempt](const std::string& reason) {
            const auto self = weak.lock();
            if (!self) return;
            if (reason != self->last_discovery_failure_) {
              mi::hub::log::error("no sentinel of ", self->endpoint_.describe(), " names the primary (", reason,
                                  "); asking again");
              self->last_discovery_failure_ = reason;
            }
            // Start elsewhere next time: the one that answered last may be the one that is gone.
            self->next_sentinel_ = (self->next_sentinel_ + 1) % self->endpoint_.sentinels.size();
            self->carry_out(self->fsm_.on_discovery_failed(attempt));
          },
      .on_moved =
          [weak = weak_from_this()](const HostPort& primary) {
            const auto self = weak.lock();
            if (!self || self->primary_ == primary) return;
            mi::hub::log::info("sentinels moved the primary of ", self->endpoint_.master_name, " to ",
                               primary.describe(), "; reconnecting");
            self->carry_out(self->fsm_.on_primary_moved());
          },
  };
  sentinel_watch_ = std::make_shared<SentinelWatch>(executor_, endpoint_, next_sentinel_, std::move(handlers));
  sentinel_watch_->start();
}

void Supervisor::stop_discovery() {
  if (!sentinel_watch_) return;
  sentinel_watch_->stop();
  sentinel_watch_.reset();
}

void Supervisor::on_link_connected(Link& link) {
  if (link_.get() != &link) return;
  carry_out(fsm_.on_link_connected());
}

void Supervisor::on_link_closed(Link& link) {
  if (link_.get() != &link) return;
  link_.reset();  // the caller that entered hiredis holds another reference
  closing_reason_ = Errc::connection_lost;
  on_link_down();
  carry_out(fsm_.on_link_lost());
}

std::shared_ptr<LinkOwner> Supervisor::keep_alive() { return weak_from_this().lock(); }

void Supervisor::send_setup() {
  setup_refused_ = false;
  const auto& commands = setup_.commands();
  for (std::size_t index = 0; index < commands.size(); ++index) {
    std::vector<const char*> argv;
    std::vector<std::size_t> lengths;
    for (const auto& arg : commands[index]) {
      argv.push_back(arg.data());
      lengths.push_back(arg.size());
    }
    // The step's index rides in privdata; the Link is the context's data (link.hpp).
    if (redisAsyncCommandArgv(link_->context(), &Supervisor::on_setup_reply, reinterpret_cast<void*>(index),
                              static_cast<int>(argv.size()), argv.data(), lengths.data()) != REDIS_OK) {
      setup_failed("the setup commands could not be sent");
      return;
    }
  }
}

void Supervisor::on_setup_reply(redisAsyncContext* context, void* reply, void* privdata) {
  if (reply == nullptr) return;  // the link is going away; its loss reconnects
  auto& link = *static_cast<Link*>(context->data);
  auto& self = static_cast<Supervisor&>(link.owner());
  if (self.link_.get() != &link) return;
  const auto index = reinterpret_cast<std::size_t>(privdata);
  // The steps go out together: after a refused one, the later replies (a step that never
  // refuses included) must not make the link usable.
  if (self.setup_refused_) return;
  const auto copied = copy_reply(*static_cast<const redisReply*>(reply));
  if (self.setup_.is_identity_step(index)) self.server_run_id_ = run_id_of(copied);
  if (auto refusal = self.setup_.refusal(index, copied)) {
    self.setup_refused_ = true;
    self.setup_failed(*refusal);
    return;
  }
  if (index + 1 == self.setup_.size()) {
    self.last_refusal_.clear();
    self.carry_out(self.fsm_.on_setup_ok());
  }
}

void Supervisor::setup_failed(const std::string& why) {
  // Every attempt would say the same until the operator fixes it: said once, and again if it changes.
  if (why != last_refusal_) {
    mi::hub::log::error("Redis at ", target().describe(), " cannot be used: ", why, "; trying again");
    last_refusal_ = why;
  }
  asio::post(executor_, [weak = weak_from_this(), link = std::weak_ptr<Link>(link_)] {
    const auto self = weak.lock();
    if (self && self->link_ && self->link_ == link.lock()) self->carry_out(self->fsm_.on_setup_failed());
  });
}

void Supervisor::close_link(Errc reason) {
  if (!link_ || link_->context() == nullptr) return;
  const std::shared_ptr<Link> link = link_;  // hiredis calls cleanup (-> link_.reset()) in here
  closing_reason_ = reason;
  link->close();
  closing_reason_ = Errc::connection_lost;
}

void Supervisor::carry_out(const SupervisorActions& actions) {
  for (const auto& action : actions) carry_out(action);
  // Every transition passes here: the mirror other threads read is never behind for long.
  usable_.store(ready(), std::memory_order_relaxed);
}

void Supervisor::carry_out(const SupervisorAction& action) {
  using Kind = SupervisorAction::Kind;
  switch (action.kind) {
    case Kind::arm_connect_deadline:
      connect_timer_.expires_after(action.delay);
      connect_timer_.async_wait([weak = weak_from_this(), attempt = action.attempt](const error_code& ec) {
        const auto self = weak.lock();
        if (!ec && self) self->carry_out(self->fsm_.on_connect_deadline_passed(attempt));
      });
      break;
    case Kind::open_link:
      link_ = Link::open(executor_, *this, target());
      if (!link_) carry_out(fsm_.on_link_lost());
      break;
    case Kind::cancel_connect_deadline:
      connect_timer_.cancel();
      break;
    case Kind::send_setup:
      if (link_) send_setup();
      break;
    case Kind::ready:
      on_ready();
      break;
    case Kind::wait:
      reconnect_timer_.expires_after(action.delay);
      reconnect_timer_.async_wait([weak = weak_from_this()](const error_code& ec) {
        const auto self = weak.lock();
        if (!ec && self) self->carry_out(self->fsm_.on_backoff_elapsed());
      });
      break;
    case Kind::discover_primary:
      discover_primary(action.attempt);
      break;
    case Kind::stop_discovery:
      stop_discovery();
      break;
    case Kind::cancel_wait:
      reconnect_timer_.cancel();
      break;
    case Kind::close_link:
      close_link(action.reason);
      break;
  }
}

}  // namespace mi::redis::detail
