#pragma once
// The command side of Connection: admission, single commands and pipelines on the supervised
// link, the SELECT of a new link, one watchdog timer for every command's deadline, and EVALSHA
// with its NOSCRIPT retry.
//
// No caller's code runs inside hiredis (a caller resumed there could stop or destroy the client
// under hiredis' feet). The replies of one read resume their callers right after that read, in
// the same handler (Link::read_now -> after_read): a posted step would wait behind the rest of the
// loop's work. Every other completion, on_connected and on_server_changed, is posted to the
// executor. Commands are written at once, not on the next turn.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "hub/core/relaxed_counter.hpp"
#include "hub/redis/connection.hpp"
#include "hub/redis/pending_replies.hpp"
#include "hub/redis/server_identity.hpp"
#include "hub/redis/supervisor.hpp"

namespace mi::redis::detail {

// Commands that would put the context in a mode where replies no longer match commands in order
// (hiredis 0.14 even asserts on some), and commands hiredis cannot take: the error reply they get
// instead of reaching Redis. Nothing for any other command.
std::optional<Reply> refusal(const std::vector<std::string>& args);

class CommandClient : public Supervisor {
 public:
  CommandClient(boost::asio::any_io_executor executor, Endpoint endpoint, ConnectionOptions options,
                const ScriptSet& scripts);
  ~CommandClient() override;  // stop(), while the members the callbacks use still exist

  // Connection's calls. `self` keeps the client alive for as long as the coroutine runs, which
  // may be longer than the Connection. A fast failure returns without suspending.
  static boost::asio::awaitable<Result> exec(std::shared_ptr<CommandClient> self, std::vector<std::string> args);
  static boost::asio::awaitable<PipelineResult> exec_pipeline(std::shared_ptr<CommandClient> self,
                                                              std::vector<std::vector<std::string>> commands);
  static boost::asio::awaitable<Result> eval(std::shared_ptr<CommandClient> self, std::string_view script_name,
                                             std::vector<std::string> keys, std::vector<std::string> args);

  void set_on_connected(std::function<void()> callback) { on_connected_ = std::move(callback); }
  void set_on_server_changed(std::function<void()> callback) { on_server_changed_ = std::move(callback); }
  std::uint64_t commands_sent() const { return sent_.load(); }
  std::uint64_t commands_failed() const { return failed_.load(); }  // no reply, not error replies

  // hiredis' reply callback, for the record it was given as privdata.
  void on_reply(std::unique_ptr<PendingReply> pending, const redisReply* reply);

 private:
  // Why `count` commands cannot be sent now (fast failure), or nothing.
  std::error_code admission(std::size_t count) const;

  // Awaitable forms. `args`/`commands` must live until the co_await returns (hiredis copies them
  // into its output buffer during the initiation).
  auto async_exec(const std::vector<std::string>& args) {
    namespace asio = boost::asio;
    return asio::async_initiate<const asio::use_awaitable_t<>&, void(Result)>(
        [this, &args](auto handler) { send_single(args, ResumeSlot<Result>(std::move(handler))); },
        asio::use_awaitable);
  }
  auto async_exec_pipeline(const std::vector<std::vector<std::string>>& commands) {
    namespace asio = boost::asio;
    return asio::async_initiate<const asio::use_awaitable_t<>&, void(PipelineResult)>(
        [this, &commands](auto handler) {
          send_pipeline(commands, ResumeSlot<PipelineResult>(std::move(handler)));
        },
        asio::use_awaitable);
  }

  void send_single(const std::vector<std::string>& args, ResumeSlot<Result> resume);
  void send_pipeline(const std::vector<std::vector<std::string>>& commands, ResumeSlot<PipelineResult> resume);
  bool append(Link& link, const std::vector<std::string>& args, std::unique_ptr<PendingReply>& pending);
  void write_now(Link& link);
  Clock::time_point deadline() const { return Clock::now() + options_.command_timeout; }

  // Hands a caller its result, never from inside hiredis: after the current read if there is one,
  // else posted.
  void hand_over(Completion completion);
  template <class T>
  void resume_later(ResumeSlot<T> slot, T value) {
    hand_over(complete_with(std::move(slot), std::move(value)));
  }

  // One timer for all commands: replies come in order, so only the oldest can expire first.
  void arm_watchdog();
  void on_watchdog();

  // Supervisor
  void before_read() override { in_read_ = true; }
  void after_read() override;
  void on_ready() override;
  void on_link_down() override {}
  void on_stopping() override { watchdog_.cancel(); }

  const ScriptSet& scripts_;
  std::function<void()> on_connected_;
  std::function<void()> on_server_changed_;
  ServerIdentity server_identity_;
  InFlight in_flight_;
  boost::asio::steady_timer watchdog_;
  bool watchdog_armed_ = false;
  // Read by /metrics on any shard.
  mi::hub::RelaxedCounter sent_;
  mi::hub::RelaxedCounter failed_;
  std::vector<const char*> argv_;  // scratch, reused: single-threaded
  std::vector<std::size_t> argv_sizes_;

  bool in_read_ = false;
  std::vector<Completion> after_read_;  // each resumes one caller
};

}  // namespace mi::redis::detail
