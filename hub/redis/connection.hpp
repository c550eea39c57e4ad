#pragma once
// One hiredis asynchronous connection driven by an Asio executor (hiredis 0.14 ships no Asio
// adapter): the socket is watched through a posix::stream_descriptor; every command has a
// deadline (hiredis has none); the connection comes back by itself with jittered backoff.
// Single-threaded: use it only from its executor's thread (one connection per hub shard).
//
// For callers (the details: link.hpp, supervisor_fsm.hpp, command_client.hpp, pubsub_client.hpp):
//  - Destroy Connection/Subscriber before their io_context (they free hiredis contexts whose
//    sockets are registered with it). The ScriptSet must outlive the Connection.
//  - `co_await conn.exec(...)` from any coroutine; a fast failure (not_connected, overloaded,
//    shut_down) returns without suspending, otherwise the coroutine resumes on the connection's
//    executor. Arguments may be destroyed once the co_await returns.
//  - On a command deadline the caller gets timed_out at once, the connection is dropped (its other
//    commands get connection_lost) and a new one is made with backoff.
//  - Nothing of the caller's runs inside hiredis. Replies and messages are handed over right
//    after the read that brought them, in the same handler (a posted step would wait behind the
//    loop's other work); other callbacks (on_connected, on_resubscribed) are posted. All may call
//    anything here, including stop(). Commands are written at once, not on the next turn.
//  - hiredis 0.14 writes with write(2): the first connection sets SIGPIPE to SIG_IGN if it was
//    still SIG_DFL, or a write to a dead Redis would kill the process.

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "hub/redis/endpoint.hpp"
#include "hub/redis/errors.hpp"
#include "hub/redis/reply.hpp"
#include "hub/redis/script_set.hpp"

namespace mi::redis {

struct ConnectionOptions {
  std::chrono::milliseconds connect_timeout{2000};
  std::chrono::milliseconds command_timeout{2000};
  std::chrono::milliseconds reconnect_backoff_min{100};
  std::chrono::milliseconds reconnect_backoff_max{5000};
  std::size_t max_in_flight = 100000;  // commands awaiting a reply; beyond, fail with overloaded
};

struct Result {
  std::error_code ec;  // set when there is no reply (see Errc)
  Reply reply;         // may itself be an error reply (reply.is_error())
};

struct PipelineResult {
  std::error_code ec;
  std::vector<Reply> replies;  // one per command, in order, when !ec
};

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(boost::asio::any_io_executor executor, Endpoint endpoint, ConnectionOptions options,
             const ScriptSet& scripts);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Connects, then keeps reconnecting after any loss until stop().
  void start();
  // Fails everything in flight with shut_down and disconnects. Idempotent.
  void stop();
  bool is_connected() const;
  // is_connected() for any thread: a relaxed mirror, possibly a transition behind.
  bool is_connected_any_thread() const;

  // Called on the executor after each successful (re)connection (after SELECT of the db).
  void set_on_connected(std::function<void()> callback);
  // Called on the executor when a reconnection reached another Redis server than the link before
  // it (a failover, a restart; or the server could not be told, e.g. an ACL user without INFO):
  // what the caller wrote may be missing there. Before on_connected for that connection.
  void set_on_server_changed(std::function<void()> callback);

  // One command; binary-safe arguments. Fails fast with not_connected while disconnected.
  boost::asio::awaitable<Result> exec(std::vector<std::string> args);

  // Several commands written at once; the replies in order. If any has no reply, ec is set.
  boost::asio::awaitable<PipelineResult> exec_pipeline(std::vector<std::vector<std::string>> commands);

  // EVALSHA of a script of the set; on NOSCRIPT, SCRIPT LOAD and one retry.
  boost::asio::awaitable<Result> eval(std::string_view script_name, std::vector<std::string> keys,
                                      std::vector<std::string> args);

  // Counters for /metrics.
  std::uint64_t commands_sent() const;
  std::uint64_t commands_failed() const;  // no reply (any Errc), not error replies
  std::uint64_t reconnects() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

// A connection in pub/sub mode. Channels are remembered and subscribed again after a reconnect;
// `on_resubscribed` then runs so that the owner can fill what it missed (from the event streams).
// It runs after every connection (the first too, covering subscribe() calls made before it), once
// Redis confirmed all the channels remembered at that moment. Nothing is delivered for a channel
// after unsubscribe() returns.
class Subscriber : public std::enable_shared_from_this<Subscriber> {
 public:
  using MessageHandler = std::function<void(std::string_view channel, std::string_view payload)>;

  Subscriber(boost::asio::any_io_executor executor, Endpoint endpoint, ConnectionOptions options,
             MessageHandler on_message);
  ~Subscriber();
  Subscriber(const Subscriber&) = delete;
  Subscriber& operator=(const Subscriber&) = delete;

  void start();
  void stop();
  bool is_connected() const;
  bool is_connected_any_thread() const;  // as Connection's
  // Drops the link (never from inside a message handler): a new one subscribes every channel
  // again, then on_resubscribed runs. For a subscription that no longer delivers.
  void rebuild();
  void set_on_resubscribed(std::function<void()> callback);
  // Runs after the messages that one read from Redis brought have been given to `on_message`,
  // in the same handler: a receiver can treat them as one burst.
  void set_on_messages_end(std::function<void()> callback);

  // No-op if already subscribed. `on_subscribed`, when given, runs on the executor once Redis has
  // confirmed the subscription (at once if it already has), so that a caller can read state
  // knowing that no later message will be missed.
  void subscribe(const std::string& channel, std::function<void()> on_subscribed = {});
  void unsubscribe(const std::string& channel);  // no-op if not subscribed

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace mi::redis
