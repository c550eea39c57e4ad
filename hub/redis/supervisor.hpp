#pragma once
// Keeps one Link connected: carries out what the SupervisorFsm decides (supervisor_fsm.hpp) with
// hiredis and two timers, and feeds back what happened. The clients (CommandClient,
// PubSubClient) derive from it and say what to do with a usable link.
//
// A Supervisor outlives every context it opened: the clients' destructors call stop(), which frees
// the current one, while the members their callbacks use still exist.

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <random>
#include <system_error>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include "hub/redis/connection.hpp"
#include "hub/redis/link.hpp"
#include "hub/redis/link_setup.hpp"
#include "hub/redis/sentinel_watch.hpp"
#include "hub/redis/supervisor_fsm.hpp"

namespace mi::redis::detail {

class Supervisor : public LinkOwner, public std::enable_shared_from_this<Supervisor> {
 public:
  // `select_db`: whether the link runs commands in the endpoint's db (SELECTed before it is usable).
  Supervisor(boost::asio::any_io_executor executor, Endpoint endpoint, ConnectionOptions options, bool select_db);
  Supervisor(const Supervisor&) = delete;
  Supervisor& operator=(const Supervisor&) = delete;

  // Connects, then keeps reconnecting after any loss until stop().
  void start();
  // Fails what is in flight with shut_down and disconnects. Idempotent.
  void stop();

  bool ready() const { return fsm_.state() == SupervisorFsm::State::ready; }
  bool stopped() const { return fsm_.state() == SupervisorFsm::State::stopped; }
  std::uint64_t reconnects() const { return fsm_.reconnects(); }
  // ready(), readable from any thread (for /readyz on another shard).
  bool usable_from_any_thread() const { return usable_.load(std::memory_order_relaxed); }

  // LinkOwner
  void on_link_connected(Link& link) final;
  void on_link_closed(Link& link) final;
  std::shared_ptr<LinkOwner> keep_alive() final;

 protected:
  virtual void on_ready() = 0;      // the link is usable (from inside hiredis: post caller code)
  virtual void on_link_down() = 0;  // the context is gone
  virtual void on_stopping() = 0;   // before the link is closed by stop()
  // Drops the current link; hiredis answers everything in flight with NULL (-> `reason`).
  // Never call from inside a hiredis callback.
  void close_link(Errc reason);

  // Why commands answered with a NULL reply got none.
  std::error_code closing_reason() const { return closing_reason_; }
  const std::shared_ptr<Link>& link() const { return link_; }
  // The run_id of the server the current link reached, once its setup is done (empty: unknown,
  // or not asked: only a command link asks).
  const std::string& server_run_id() const { return server_run_id_; }

  // Empty while the object is being destroyed (stop() from a destructor), never throws.
  template <class Derived>
  std::weak_ptr<Derived> weak_self() {
    return std::static_pointer_cast<Derived>(weak_from_this().lock());
  }

  boost::asio::any_io_executor executor_;
  Endpoint endpoint_;
  ConnectionOptions options_;

 private:
  // An action may feed the fsm again from inside (a link that cannot be opened, a close that
  // frees the link): the fsm puts such actions last in their list.
  void carry_out(const SupervisorActions& actions);
  void carry_out(const SupervisorAction& action);

  // Where links connect: the endpoint, or for sentinels the primary they named last.
  Endpoint target() const;
  // Starts asking the sentinels for attempt `attempt` (replacing the watch of the last attempt).
  void discover_primary(std::uint64_t attempt);
  void stop_discovery();

  // Sends the setup's commands on the current link; their replies come to on_setup_reply().
  void send_setup();
  static void on_setup_reply(redisAsyncContext* context, void* reply, void* privdata);
  // From inside hiredis' reply callback: a refusal closes the link on the next turn (never free
  // the context from inside hiredis).
  void setup_failed(const std::string& why);

  LinkSetup setup_;
  std::string last_refusal_;  // logged once until a setup succeeds, not at every attempt
  std::string server_run_id_;
  bool setup_refused_ = false;  // a step of the current link's setup was refused
  std::minstd_rand random_;  // before fsm_, whose draw uses it
  SupervisorFsm fsm_;
  std::shared_ptr<Link> link_;
  std::shared_ptr<SentinelWatch> sentinel_watch_;
  std::size_t next_sentinel_ = 0;    // the one asked first: the last that answered
  std::optional<HostPort> primary_;  // as the sentinels last named it
  std::string last_discovery_failure_;  // logged once until the sentinels answer again
  boost::asio::steady_timer connect_timer_;
  boost::asio::steady_timer reconnect_timer_;
  Errc closing_reason_ = Errc::connection_lost;
  std::atomic<bool> usable_{false};
};

}  // namespace mi::redis::detail
