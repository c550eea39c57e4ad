#include "hub/app/hub.hpp"

#include <chrono>
#include <future>
#include <thread>

#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_future.hpp>

#include "hub/http/http_connection.hpp"
#include "hub/core/log.hpp"

namespace mi::hub {

namespace asio = boost::asio;

namespace {
unsigned shard_count(const Config& config) {
  if (config.shards > 0) return config.shards;
  return std::max(1u, std::thread::hardware_concurrency());
}

// Opens and binds the listening socket (not yet listening) and puts the port it got into the
// configuration. Returns the socket's descriptor.
int bind_listener(Config& config) {
  asio::io_context unused;
  asio::ip::tcp::acceptor acceptor(unused);
  asio::ip::tcp::endpoint endpoint(asio::ip::make_address(config.listen_host), config.listen_port);
  acceptor.open(endpoint.protocol());
  acceptor.set_option(asio::socket_base::reuse_address(true));
  acceptor.bind(endpoint);
  config.listen_port = acceptor.local_endpoint().port();
  return acceptor.release();
}

// Runs `work` on the shard's thread and waits for it.
template <class Work>
auto run_on(Shard& shard, Work work) {
  std::packaged_task<decltype(work())()> task(std::move(work));
  auto result = task.get_future();
  asio::post(shard.io(), [&task] { task(); });
  return result.get();
}
}  // namespace

Hub::Hub(Config config, redis::Endpoint redis_endpoint, std::string admin_token, std::string hub_id)
    : unlistened_socket_(bind_listener(config)),
      bound_port_(config.listen_port),
      context_(std::make_unique<HubContext>(std::move(config), std::move(redis_endpoint), std::move(admin_token),
                                            std::move(hub_id))) {
  auto count = shard_count(context_->config);
  for (unsigned i = 0; i < count; ++i) shards_.push_back(std::make_unique<Shard>(*context_, i));
  std::vector<Shard*> shard_pointers;
  for (auto& shard : shards_) shard_pointers.push_back(shard.get());
  router_ = std::make_unique<EventRouter>(*context_, shard_pointers);
  for (auto& shard : shards_) shard->set_router(router_.get());
  liveness_ = std::make_unique<HubLiveness>(*context_, shard_pointers);
  watcher_counts_ = std::make_unique<WatcherCountPublisher>(*context_, *shards_[0]);
  if (!context_->config.webhook_url.empty()) webhooks_ = std::make_unique<WebhookPump>(*context_, *shards_[0]);
  context_->every_redis_link_up = [this] {
    for (auto& shard : shards_) {
      if (!shard->redis().is_connected_any_thread()) return false;
    }
    return router_->subscription_link_up();
  };
  context_->metrics.append_extra = [this](std::string& out) {
    // Summed on the caller's thread, any shard's: each connection keeps them as relaxed atomics.
    std::uint64_t sent = 0, failed = 0, reconnects = 0;
    for (auto& shard : shards_) {
      sent += shard->redis().commands_sent();
      failed += shard->redis().commands_failed();
      reconnects += shard->redis().reconnects();
    }
    out += "# HELP mi_redis_commands_total Redis commands sent.\n# TYPE mi_redis_commands_total counter\n";
    out += "mi_redis_commands_total " + std::to_string(sent) + "\n";
    out += "# HELP mi_redis_failures_total Redis commands that got no reply.\n# TYPE mi_redis_failures_total counter\n";
    out += "mi_redis_failures_total " + std::to_string(failed) + "\n";
    out += "# HELP mi_redis_reconnects_total Redis reconnections.\n# TYPE mi_redis_reconnects_total counter\n";
    out += "mi_redis_reconnects_total " + std::to_string(reconnects) + "\n";
    out += "# HELP mi_client_addresses Client addresses holding at least one connection.\n"
           "# TYPE mi_client_addresses gauge\n";
    out += "mi_client_addresses " + std::to_string(context_->connections_per_address.addresses()) + "\n";
  };
}

Hub::~Hub() {
  stop();
  if (unlistened_socket_ >= 0) ::close(unlistened_socket_);  // constructed, never started
}

void Hub::start() {
  const auto& config = context_->config;
  auto protocol = asio::ip::make_address(config.listen_host).is_v6() ? asio::ip::tcp::v6() : asio::ip::tcp::v4();
  acceptor_storage_ = std::make_unique<asio::ip::tcp::acceptor>(shards_[0]->io(), protocol, unlistened_socket_);
  unlistened_socket_ = -1;
  acceptor_ = acceptor_storage_.get();
  acceptor_->listen(asio::socket_base::max_listen_connections);
  for (auto& shard : shards_) shard->start();
  router_->start();
  liveness_->start();
  watcher_counts_->start();
  if (webhooks_) webhooks_->start();
  asio::post(shards_[0]->io(), [this] { accept_next(); });
  log::info("mi-hub ", context_->hub_id, " (instance ", context_->instance, ") listening on ", config.listen_host, ":", bound_port_, " with ",
            shards_.size(), " shard(s), env ", config.env, ", redis ", context_->redis_endpoint.describe());
  if (context_->tls) log::info("TLS on: ", context_->tls->describe());
  if (!config.trusted_proxies.empty()) {
    log::info("trusted proxies: ", config.trusted_proxies.describe(),
              config.proxy_protocol ? " (PROXY protocol required from them)" : " (X-Forwarded-For)");
  }
}

void Hub::accept_next() {
  // Connections go round-robin to the shards: each socket is opened on its shard's loop.
  auto& target = *shards_[next_shard_];
  next_shard_ = (next_shard_ + 1) % shards_.size();
  // Accepted onto the shard's loop with the shard's socket type, the peer's address from the
  // accept itself.
  auto on_accept = [this, &target](boost::system::error_code ec, Shard::Socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor_->is_open()) return;
    if (!ec) {
      auto& metrics = context_->metrics;
      if (static_cast<std::size_t>(metrics.connections_open.load()) >= context_->config.max_connections) {
        metrics.connections_rejected.fetch_add(1, std::memory_order_relaxed);
        boost::system::error_code ignored;
        socket.close(ignored);
      } else {
        metrics.connections_accepted.fetch_add(1, std::memory_order_relaxed);
        asio::co_spawn(target.io(), serve_connection(target, std::move(socket), accepted_peer_), asio::detached);
      }
      accept_next();
      return;
    }
    // Out of file descriptors and the like: back off a little instead of spinning.
    log::warn("accept failed: ", ec.message());
    auto timer = std::make_shared<asio::steady_timer>(shards_[0]->io(), std::chrono::milliseconds(100));
    timer->async_wait([this, timer](boost::system::error_code) { accept_next(); });
  };
  acceptor_->async_accept(target.io(), accepted_peer_, std::move(on_accept));
}

void Hub::reload_tls() {
  auto& metrics = context_->metrics;
  if (!context_->tls) {
    log::info("SIGHUP: no --tls-cert, nothing to reload");
    return;
  }
  auto error = context_->tls->reload();
  if (!error.empty()) {
    metrics.tls_reload_failures.fetch_add(1, std::memory_order_relaxed);
    log::error("SIGHUP: kept the current certificate: ", error);
    return;
  }
  metrics.tls_reloads.fetch_add(1, std::memory_order_relaxed);
  log::info("SIGHUP: new connections use ", context_->tls->describe());
}

void Hub::drain_and_stop() {
  if (stopped_) return;
  log::info("draining: closing sessions with 1012");
  run_on(*shards_[0], [this] {
    boost::system::error_code ignored;
    acceptor_->close(ignored);
    return 0;
  });
  for (auto& shard : shards_) run_on(*shard, [&shard] {
      shard->close_all_sessions_for_drain();
      return 0;
    });
  // A session counts until its end is recorded (an agent's offline event included); the last to
  // end wakes this wait.
  auto deadline = std::chrono::steady_clock::now() + context_->config.drain_timeout;
  auto left = context_->metrics.sessions_open.wait_for_none(deadline);
  if (left > 0) log::warn("drain timeout: ", left, " session(s) still open");
  if (webhooks_) {
    // Gives up this hub's webhook leases, so that another hub carries its colonies on at once.
    auto releasing = asio::co_spawn(shards_[0]->io(), webhooks_->release(), asio::use_future);
    if (releasing.wait_for(context_->config.redis_command_timeout * 2) != std::future_status::ready) {
      log::warn("could not give up the webhook leases in time; other hubs take them when they lapse");
    }
  }
  auto leaving = asio::co_spawn(shards_[0]->io(), liveness_->leave(), asio::use_future);
  if (leaving.wait_for(context_->config.redis_command_timeout * 2) != std::future_status::ready) {
    log::warn("could not leave the registry of hubs in time");
  }
  stop();
}

void Hub::stop() {
  if (stopped_.exchange(true)) return;
  if (acceptor_ != nullptr && !shards_.empty()) {
    asio::post(shards_[0]->io(), [this] {
      boost::system::error_code ignored;
      acceptor_->close(ignored);
      router_->stop();
    });
    liveness_->stop();
    watcher_counts_->stop();
    if (webhooks_) webhooks_->stop();
  }
  for (auto& shard : shards_) shard->stop();
  log::info("mi-hub stopped");
}

}  // namespace mi::hub
