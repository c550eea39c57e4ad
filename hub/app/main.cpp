// mi-hub: the presence hub. See README.md and docs/operations.md.

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <functional>
#include <iostream>
#include <optional>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include "hub/core/config.hpp"
#include "hub/core/crypto.hpp"
#include "hub/app/hub.hpp"
#include "hub/core/log.hpp"
#include "hub/redis/redis_process.hpp"

namespace {

std::string default_hub_id() {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0) std::snprintf(host, sizeof host, "host");
  return std::string(host) + ":" + std::to_string(getpid());
}

// Keeps the embedded redis-server alive: restarts it if it dies, stops it when the hub exits.
class EmbeddedRedisSupervisor {
 public:
  explicit EmbeddedRedisSupervisor(const std::string& data_dir) {
    mi::redis::RedisProcessOptions options;
    options.data_dir = (std::filesystem::absolute(data_dir) / "redis").lexically_normal();
    options.use_unix_socket = true;
    options.persistence = true;
    process_.emplace(options);
    watcher_ = std::thread([this] { watch(); });
  }
  ~EmbeddedRedisSupervisor() {
    stopping_ = true;
    if (watcher_.joinable()) watcher_.join();
    process_->stop();
  }
  const mi::redis::Endpoint& endpoint() const { return process_->endpoint(); }

 private:
  void watch() {
    while (!stopping_) {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      if (stopping_ || process_->running()) continue;
      mi::hub::log::error("the embedded redis-server exited; restarting it");
      try {
        process_->restart();
      } catch (const std::exception& e) {
        mi::hub::log::error("could not restart the embedded redis-server: ", e.what());
        std::this_thread::sleep_for(std::chrono::seconds(1));
      }
    }
  }
  std::optional<mi::redis::RedisProcess> process_;
  std::thread watcher_;
  std::atomic<bool> stopping_{false};
};

}  // namespace

int main(int argc, char** argv) {
  auto parsed = mi::hub::parse_config(argc, argv);
  if (!parsed.config) return parsed.exit_code;
  auto config = std::move(*parsed.config);
  mi::hub::log::set_level(config.log_level);
  std::signal(SIGPIPE, SIG_IGN);

  // Signals are waited for on their own loop, so that a drain can block on the shards.
  boost::asio::io_context signal_loop;
  boost::asio::signal_set signals(signal_loop, SIGINT, SIGTERM, SIGHUP);

  try {
    std::optional<EmbeddedRedisSupervisor> embedded;
    mi::redis::Endpoint endpoint;
    if (config.redis_url == "embedded") {
      embedded.emplace(config.data_dir);
      endpoint = embedded->endpoint();
      mi::hub::log::info("embedded redis-server running at ", endpoint.describe());
    } else {
      auto parsed_endpoint = mi::redis::parse_redis_url(config.redis_url);
      if (!parsed_endpoint) {
        std::cerr << "mi-hub: --redis must be redis://[user:password@]host:port[/db], unix:///path, "
                     "sentinel://[password@]host:port[,host:port...]/MASTER[?db=N] or embedded, got '"
                  << mi::redis::redact_url(config.redis_url) << "'\n";
        return 2;
      }
      endpoint = *parsed_endpoint;
    }

    auto admin_token = config.admin_token;
    if (admin_token.empty()) {
      admin_token = mi::hub::random_secret();
      // Printed once, on stdout, so that a person or a script starting the hub can pick it up.
      std::cout << "admin token: " << admin_token << std::endl;
    }
    auto hub_id = config.hub_id.empty() ? default_hub_id() : config.hub_id;

    mi::hub::Hub hub(config, endpoint, admin_token, hub_id);
    hub.start();
    std::cout << "mi-hub listening on " << (config.tls_enabled() ? "https://" : "http://") << config.listen_host
              << ":" << hub.port() << std::endl;

    // SIGHUP reloads the certificate and goes on waiting; SIGINT and SIGTERM end the wait.
    int received = 0;
    std::function<void(const boost::system::error_code&, int)> on_signal =
        [&](const boost::system::error_code& ec, int signal_number) {
          if (ec) return;
          if (signal_number == SIGHUP) {
            hub.reload_tls();
            signals.async_wait(on_signal);
            return;
          }
          received = signal_number;
        };
    signals.async_wait(on_signal);
    signal_loop.run();
    mi::hub::log::info("received ", received == SIGTERM ? "SIGTERM" : "SIGINT", "; shutting down");
    hub.drain_and_stop();
  } catch (const std::exception& e) {
    mi::hub::log::error("mi-hub cannot run: ", e.what());
    return 1;
  }
  return 0;
}
