#pragma once
// Asks the sentinels, one after another, where the primary of a master is; then stays subscribed
// to `+switch-master` on the sentinel that answered, so that its owner hears of a failover as soon
// as the sentinels decide it rather than at its next failed command. One per Supervisor of a
// `sentinel://` endpoint, replaced at every attempt to connect.
//
// Handlers are posted (never run inside hiredis) and never run after stop(). Single-threaded, on
// the owner's executor; Link's ownership rules (link.hpp) apply.

#include <cstddef>
#include <functional>
#include <memory>

#include <boost/asio/any_io_executor.hpp>

#include "hub/redis/endpoint.hpp"
#include "hub/redis/link.hpp"

struct redisAsyncContext;

namespace mi::redis::detail {

class SentinelWatch : public LinkOwner, public std::enable_shared_from_this<SentinelWatch> {
 public:
  struct Handlers {
    std::function<void(const HostPort& primary, std::size_t sentinel)> on_found;  // index in endpoint.sentinels
    std::function<void(const std::string& last_reason)> on_failed;  // every sentinel tried, none answered
    std::function<void(const HostPort& primary)> on_moved;  // a later +switch-master for this master
  };

  // `endpoint`: a sentinel endpoint; `first`: the sentinel asked first (the last one that answered).
  SentinelWatch(boost::asio::any_io_executor executor, Endpoint endpoint, std::size_t first, Handlers handlers);
  SentinelWatch(const SentinelWatch&) = delete;
  SentinelWatch& operator=(const SentinelWatch&) = delete;

  void start();
  // Frees the link. Never from inside a hiredis callback.
  void stop();

  // LinkOwner
  void on_link_connected(Link& link) final;
  void on_link_closed(Link& link) final;
  std::shared_ptr<LinkOwner> keep_alive() final;

 private:
  enum class Phase { asking, subscribed, over };

  void ask(std::size_t tried);  // sentinel first + tried (mod their count), or give up
  void give_up_on_this_sentinel(std::string reason);
  void post(std::function<void(SentinelWatch&)> step);
  static void on_query_reply(redisAsyncContext* context, void* reply, void* privdata);
  static void on_switch_message(redisAsyncContext* context, void* reply, void* privdata);

  boost::asio::any_io_executor executor_;
  Endpoint endpoint_;
  std::size_t first_;
  Handlers handlers_;
  Phase phase_ = Phase::asking;
  bool stopped_ = false;
  std::size_t tried_ = 0;
  std::string last_reason_;
  std::shared_ptr<Link> link_;
};

}  // namespace mi::redis::detail
