#include "hub/redis/supervisor.hpp"

#include <utility>

#include <boost/asio/post.hpp>

namespace mi::redis::detail {
namespace {

namespace asio = boost::asio;
using boost::system::error_code;

SupervisorFsm::Config fsm_config(const ConnectionOptions& options, std::optional<int> select_db) {
  return {.connect_timeout = options.connect_timeout,
          .backoff_min = options.reconnect_backoff_min,
          .backoff_max = options.reconnect_backoff_max,
          .select_db = select_db};
}

}  // namespace

Supervisor::Supervisor(asio::any_io_executor executor, Endpoint endpoint, ConnectionOptions options,
                       std::optional<int> select_db)
    : executor_(std::move(executor)),
      endpoint_(std::move(endpoint)),
      options_(options),
      random_(std::random_device{}()),
      fsm_(fsm_config(options_, select_db), mi::hub::uniform_draw<std::chrono::milliseconds>(random_)),
      connect_timer_(executor_),
      reconnect_timer_(executor_) {}

void Supervisor::start() { carry_out(fsm_.on_start()); }

void Supervisor::stop() {
  if (stopped()) return;
  const SupervisorActions actions = fsm_.on_stop();  // first, so that the loss below schedules nothing
  on_stopping();
  carry_out(actions);
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

void Supervisor::send_select(Link&, int) { select_failed(); }

void Supervisor::select_ok() { carry_out(fsm_.on_select_ok()); }

void Supervisor::select_failed() {
  asio::post(executor_, [weak = weak_from_this(), link = std::weak_ptr<Link>(link_)] {
    const auto self = weak.lock();
    if (self && self->link_ && self->link_ == link.lock()) self->carry_out(self->fsm_.on_select_failed());
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
      link_ = Link::open(executor_, *this, endpoint_);
      if (!link_) carry_out(fsm_.on_link_lost());
      break;
    case Kind::cancel_connect_deadline:
      connect_timer_.cancel();
      break;
    case Kind::send_select:
      if (link_) send_select(*link_, action.db);
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
    case Kind::cancel_wait:
      reconnect_timer_.cancel();
      break;
    case Kind::close_link:
      close_link(action.reason);
      break;
  }
}

}  // namespace mi::redis::detail
