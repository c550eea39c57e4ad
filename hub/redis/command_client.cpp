#include "hub/redis/command_client.hpp"

#include <algorithm>
#include <climits>
#include <iterator>

#include <boost/asio/post.hpp>
#include <hiredis/async.h>

#include "hub/redis/hiredis_reply.hpp"

namespace mi::redis::detail {
namespace {

namespace asio = boost::asio;
using boost::system::error_code;

constexpr std::string_view pubsub_commands[] = {
    "subscribe", "psubscribe", "ssubscribe", "unsubscribe", "punsubscribe", "sunsubscribe", "monitor"};

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return (x | 0x20) == (y | 0x20);  // ASCII letters only are compared here
         });
}

void on_command_reply(redisAsyncContext* context, void* reply, void* privdata) {
  std::unique_ptr<PendingReply> pending(static_cast<PendingReply*>(privdata));
  auto* link = static_cast<Link*>(context->data);
  static_cast<CommandClient&>(link->owner()).on_reply(std::move(pending), static_cast<const redisReply*>(reply));
}

// Built outside the coroutine: GCC 12 miscompiles braced lists of strings in coroutine bodies.
std::vector<std::vector<std::string>> load_and_retry(const Script& script, std::vector<std::string> evalsha) {
  std::vector<std::vector<std::string>> commands(2);
  commands[0] = {"SCRIPT", "LOAD", script.text};
  commands[1] = std::move(evalsha);
  return commands;
}

bool is_noscript(const Result& result) {
  return !result.ec && result.reply.is_error() && result.reply.str.starts_with("NOSCRIPT");
}

}  // namespace

std::optional<Reply> refusal(const std::vector<std::string>& args) {
  if (args.empty()) return make_error_reply("ERR empty command");
  if (args.size() > static_cast<std::size_t>(INT_MAX)) return make_error_reply("ERR too many arguments");
  for (const auto command : pubsub_commands)
    if (iequals(args.front(), command))
      return make_error_reply("ERR " + args.front() + " is not available on a command connection; use Subscriber");
  return std::nullopt;
}

CommandClient::CommandClient(asio::any_io_executor executor, Endpoint endpoint, ConnectionOptions options,
                             const ScriptSet& scripts)
    : Supervisor(std::move(executor), endpoint, options, true),
      scripts_(scripts),
      watchdog_(executor_) {}

CommandClient::~CommandClient() { stop(); }

asio::awaitable<Result> CommandClient::exec(std::shared_ptr<CommandClient> self, std::vector<std::string> args) {
  if (const auto ec = self->admission(1)) {  // fail fast, without a trip through the executor
    self->failed_ += 1;
    co_return Result{ec, {}};
  }
  co_return co_await self->async_exec(args);
}

asio::awaitable<PipelineResult> CommandClient::exec_pipeline(std::shared_ptr<CommandClient> self,
                                                             std::vector<std::vector<std::string>> commands) {
  if (commands.empty()) co_return PipelineResult{};
  if (const auto ec = self->admission(commands.size())) {
    self->failed_ += commands.size();
    co_return PipelineResult{ec, {}};
  }
  co_return co_await self->async_exec_pipeline(commands);
}

asio::awaitable<Result> CommandClient::eval(std::shared_ptr<CommandClient> self, std::string_view script_name,
                                            std::vector<std::string> keys, std::vector<std::string> args) {
  // Looked up before the first suspension: `script_name` need not outlive the co_await's start.
  const Script* script = self->scripts_.find(script_name);
  if (script == nullptr) co_return Result{make_error_code(Errc::unknown_script), {}};

  std::vector<std::string> command;
  command.reserve(3 + keys.size() + args.size());
  command.emplace_back("EVALSHA");
  command.push_back(script->sha1);
  command.push_back(std::to_string(keys.size()));
  std::move(keys.begin(), keys.end(), std::back_inserter(command));
  std::move(args.begin(), args.end(), std::back_inserter(command));

  if (const auto ec = self->admission(1)) {
    self->failed_ += 1;
    co_return Result{ec, {}};
  }
  Result first = co_await self->async_exec(command);
  if (!is_noscript(first)) co_return first;

  // The server lost its script cache (restart, SCRIPT FLUSH, failover): load and retry once, in
  // one round trip. A script that does not compile comes back as the SCRIPT LOAD error.
  std::vector<std::vector<std::string>> retry = load_and_retry(*script, std::move(command));
  if (const auto ec = self->admission(retry.size())) {
    self->failed_ += retry.size();
    co_return Result{ec, {}};
  }
  PipelineResult second = co_await self->async_exec_pipeline(retry);
  if (second.ec) co_return Result{second.ec, {}};
  if (second.replies[0].is_error()) co_return Result{{}, std::move(second.replies[0])};
  co_return Result{{}, std::move(second.replies[1])};
}

std::error_code CommandClient::admission(std::size_t count) const {
  if (stopped()) return Errc::shut_down;
  if (!ready() || !link()) return Errc::not_connected;
  if (in_flight_.size() + count > options_.max_in_flight) return Errc::overloaded;
  return {};
}

void CommandClient::hand_over(Completion completion) {
  if (!completion) return;
  if (in_read_) {
    after_read_.push_back(std::move(completion));
  } else {
    asio::post(executor_, [completion = std::move(completion)]() mutable { completion({}); });
  }
}

void CommandClient::after_read() {
  in_read_ = false;
  // A resumed caller may send more commands (and read nothing): the list is taken first.
  auto completions = std::move(after_read_);
  after_read_.clear();
  for (auto& completion : completions) completion({});
}

void CommandClient::on_reply(std::unique_ptr<PendingReply> pending, const redisReply* reply) {
  in_flight_.remove(pending.get());
  if (pending->finished) return;
  pending->finished = true;
  if (reply != nullptr) {
    hand_over(pending->finish(reply, {}));
  } else {
    ++failed_;
    hand_over(pending->finish(nullptr, closing_reason()));
  }
}

void CommandClient::on_ready() {
  const bool server_changed = server_identity_.reached(server_run_id());
  asio::post(executor_, [weak = weak_self<CommandClient>(), server_changed] {
    const auto self = weak.lock();
    if (!self || self->stopped()) return;
    if (server_changed && self->on_server_changed_) self->on_server_changed_();
    if (self->on_connected_) self->on_connected_();
  });
}

bool CommandClient::append(Link& link, const std::vector<std::string>& args, std::unique_ptr<PendingReply>& pending) {
  argv_.clear();
  argv_sizes_.clear();
  for (const auto& arg : args) {
    argv_.push_back(arg.data());
    argv_sizes_.push_back(arg.size());
  }
  // Binary-safe: lengths are given, so arguments may hold NUL bytes.
  if (redisAsyncCommandArgv(link.context(), &on_command_reply, pending.get(), static_cast<int>(args.size()),
                            argv_.data(), argv_sizes_.data()) != REDIS_OK)
    return false;  // the context is disconnecting
  PendingReply* sent = pending.release();  // hiredis' now
  in_flight_.push(sent);
  ++sent_;
  arm_watchdog();
  return true;
}

void CommandClient::send_single(const std::vector<std::string>& args, ResumeSlot<Result> resume) {
  if (const auto ec = admission(1)) {
    ++failed_;
    resume_later(std::move(resume), Result{ec, {}});
    return;
  }
  if (auto refused = refusal(args)) {
    resume_later(std::move(resume), Result{{}, std::move(*refused)});
    return;
  }
  std::unique_ptr<PendingReply> pending = std::make_unique<SingleReply>(deadline(), std::move(resume));
  const std::shared_ptr<Link> current = link();
  if (!append(*current, args, pending)) {
    ++failed_;
    hand_over(pending->finish(nullptr, Errc::not_connected));
    return;
  }
  write_now(*current);
}

void CommandClient::send_pipeline(const std::vector<std::vector<std::string>>& commands,
                                  ResumeSlot<PipelineResult> resume) {
  auto batch = std::make_shared<PipelineBatch>();
  batch->resume = std::move(resume);
  batch->replies.resize(commands.size());
  if (const auto ec = admission(commands.size())) {
    failed_ += commands.size();
    hand_over(batch->complete(ec));
    return;
  }
  // All commands go into hiredis' output buffer, then out in one write: one round trip.
  const auto when = deadline();
  const std::shared_ptr<Link> current = link();
  for (std::size_t i = 0; i < commands.size(); ++i) {
    if (auto refused = refusal(commands[i])) {
      batch->replies[i] = std::move(*refused);
      continue;
    }
    std::unique_ptr<PendingReply> part = std::make_unique<PipelinePart>(when, batch, i);
    if (!append(*current, commands[i], part)) {
      failed_ += commands.size() - i;
      if (!batch->done) hand_over(batch->complete(Errc::not_connected));
      return;  // those already appended are answered later and find the batch done
    }
    ++batch->remaining;
  }
  if (batch->remaining == 0 && !batch->done) hand_over(batch->complete({}));  // empty, or all refused
  write_now(*current);
}

void CommandClient::write_now(Link& link) {
  // hiredis asked for a writable event when the commands went into its buffer; waiting for it
  // would cost a turn of the event loop. Written now, the wait finds nothing left to write. Not
  // from inside hiredis (a read's callbacks), where hiredis writes once it returns anyway.
  if (link.context() != nullptr && !in_read_) redisAsyncHandleWrite(link.context());
}

void CommandClient::arm_watchdog() {
  if (watchdog_armed_ || !link() || in_flight_.empty()) return;
  watchdog_armed_ = true;
  watchdog_.expires_at(in_flight_.oldest()->deadline);
  watchdog_.async_wait([weak = weak_self<CommandClient>()](const error_code& ec) {
    const auto self = weak.lock();
    if (!self) return;
    self->watchdog_armed_ = false;
    if (!ec) self->on_watchdog();
  });
}

void CommandClient::on_watchdog() {
  if (!link()) return;
  switch (in_flight_.watchdog(Clock::now()).verdict) {
    case DeadlineCheck::Verdict::none:
      return;
    case DeadlineCheck::Verdict::rearm:
      arm_watchdog();
      return;
    case DeadlineCheck::Verdict::expired:
      break;
  }
  PendingReply* oldest = in_flight_.oldest();
  oldest->finished = true;  // hiredis still owns it and deletes it when it frees the context
  ++failed_;
  hand_over(oldest->finish(nullptr, Errc::timed_out));
  // A reply this late means a broken or stuck link: drop it (redisAsyncDisconnect would wait for
  // the very replies that are late). The rest in flight fail with connection_lost.
  close_link(Errc::connection_lost);
}

}  // namespace mi::redis::detail
