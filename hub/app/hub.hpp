#pragma once
// The whole server of one process: shards, the listening socket, draining on shutdown.

#include <atomic>
#include <memory>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "hub/fanout/event_router.hpp"
#include "hub/fanout/hub_context.hpp"
#include "hub/fanout/hub_liveness.hpp"
#include "hub/fanout/shard.hpp"
#include "hub/fanout/watcher_count_publisher.hpp"
#include "hub/webhook/webhook_pump.hpp"

namespace mi::hub {

class Hub {
 public:
  // Binds the listening socket first (throws std::system_error when it cannot): with --listen
  // HOST:0 the port the system picks is then the one in the default --public-url, so invite
  // links and the allowed origin name the hub as clients reach it.
  Hub(Config config, redis::Endpoint redis_endpoint, std::string admin_token, std::string hub_id);
  ~Hub();
  Hub(const Hub&) = delete;
  Hub& operator=(const Hub&) = delete;

  // Listens on the bound socket and starts serving.
  void start();
  // The port actually bound (useful with --listen HOST:0).
  unsigned short port() const { return bound_port_; }

  // SIGTERM: stop accepting, close every session with 1012 so that agents go offline with reason
  // "drained", wait up to --drain-timeout for that, then stop. Blocks.
  void drain_and_stop();
  // SIGHUP: reads --tls-cert and --tls-key again for new connections; open ones keep theirs. A
  // pair that does not load keeps the old one, and the log says why. Nothing without TLS.
  void reload_tls();

  // Stops at once (sessions are dropped without their offline events).
  void stop();

  HubContext& context() { return *context_; }

 private:
  void accept_next();

  int unlistened_socket_ = -1;  // bound by the constructor; owned by the acceptor from start()
  unsigned short bound_port_ = 0;
  std::unique_ptr<HubContext> context_;
  std::vector<std::unique_ptr<Shard>> shards_;
  std::unique_ptr<EventRouter> router_;
  std::unique_ptr<HubLiveness> liveness_;
  std::unique_ptr<WatcherCountPublisher> watcher_counts_;
  std::unique_ptr<WebhookPump> webhooks_;  // with --webhook-url only
  boost::asio::ip::tcp::acceptor* acceptor_ = nullptr;  // lives on shard 0's loop
  boost::asio::ip::tcp::endpoint accepted_peer_;  // filled by the one accept in flight
  std::unique_ptr<boost::asio::ip::tcp::acceptor> acceptor_storage_;
  std::size_t next_shard_ = 0;
  std::atomic<bool> stopped_{false};
};

}  // namespace mi::hub
