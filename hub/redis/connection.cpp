// The hiredis <-> Asio adapter, and the two clients built on it (commands, pub/sub).
//
// Ownership, in one place, because every crash in hiredis adapters comes from getting it wrong:
//  - A Link is one hiredis async context plus the stream_descriptor that watches its socket. It is
//    held by a shared_ptr in its Supervisor and by every pending wait on the socket. Whoever calls
//    into hiredis (a wait handler, Supervisor::close_link) holds a shared_ptr to the Link for the
//    duration of the call, because hiredis may free the context inside that call.
//  - hiredis frees a context in three ways: our redisAsyncFree, an I/O error or EOF seen inside
//    redisAsyncHandleRead/Write, and a failed connect. Each ends in the `cleanup` hook, which marks
//    the Link dead (context_ = nullptr), releases (never closes) the descriptor and tells the
//    Supervisor, which schedules the reconnection. Wait handlers that run later see a dead Link.
//  - A Supervisor outlives every context it opened: its destructor frees the current one. So the
//    raw Supervisor& in a Link, and context->data, are valid in every hiredis callback.
//  - A command's `privdata` is a heap PendingReply that only hiredis' callback deletes; hiredis
//    always calls back exactly once (with a reply, or with NULL when it frees the context). A
//    deadline that fires first completes the waiting coroutine and flags the record `finished`;
//    the later callback then only deletes it.
//  - No user code runs inside a hiredis callback: completions, on_connected, on_resubscribed and
//    messages are posted to the executor. Otherwise a callback could stop()/destroy the client
//    while hiredis is still on the stack (redisAsyncFree is only deferred inside reply callbacks,
//    not inside the connect callback).

#include "hub/redis/connection.hpp"

#include <algorithm>
#include <cerrno>
#include <climits>
#include <csignal>
#include <deque>
#include <iterator>
#include <optional>
#include <random>
#include <map>
#include <set>
#include <variant>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <boost/asio/async_result.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <hiredis/async.h>
#include <hiredis/hiredis.h>

#include "hub/core/relaxed_counter.hpp"
#include "hub/redis/hiredis_reply.hpp"

namespace mi::redis {
namespace {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;
using boost::system::error_code;

// hiredis 0.14 writes with write(2), not send(MSG_NOSIGNAL): a write to a socket that Redis has
// closed would raise SIGPIPE and kill the process. Ignore it unless the program chose a handler.
void ignore_sigpipe_once() {
  static const bool done = [] {
    struct sigaction current {};
    if (sigaction(SIGPIPE, nullptr, &current) == 0 && current.sa_handler == SIG_DFL) {
      struct sigaction ignore {};
      ignore.sa_handler = SIG_IGN;
      sigemptyset(&ignore.sa_mask);
      sigaction(SIGPIPE, &ignore, nullptr);
    }
    return true;
  }();
  (void)done;
}

// Finds a dead peer on an idle TCP link (the subscriber may stay silent for long). Best effort.
void enable_tcp_keepalive(int fd) {
  const int on = 1, idle_seconds = 15, interval_seconds = 5, probes = 3;
  setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on);
  setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle_seconds, sizeof idle_seconds);
  setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &interval_seconds, sizeof interval_seconds);
  setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &probes, sizeof probes);
}

// A move-only, type-erased, one-shot completion handler (the coroutine waiting for a result).
template <class T>
class ResumeSlot {
 public:
  ResumeSlot() = default;
  template <class Handler>
  explicit ResumeSlot(Handler&& handler)
      : holder_(std::make_unique<Holder<std::decay_t<Handler>>>(std::forward<Handler>(handler))) {}

  explicit operator bool() const { return holder_ != nullptr; }
  void operator()(T value) {
    auto holder = std::move(holder_);
    holder->invoke(std::move(value));
  }

 private:
  struct Base {
    virtual ~Base() = default;
    virtual void invoke(T value) = 0;
  };
  template <class Handler>
  struct Holder final : Base {
    explicit Holder(Handler&& h) : handler(std::move(h)) {}
    explicit Holder(const Handler& h) : handler(h) {}
    void invoke(T value) override { std::move(handler)(std::move(value)); }
    Handler handler;
  };
  std::unique_ptr<Base> holder_;
};

class Supervisor;
struct PendingReply;

// One hiredis async context and the descriptor that watches its socket for it.
class Link : public std::enable_shared_from_this<Link> {
 public:
  Link(const asio::any_io_executor& executor, Supervisor& owner) : owner_(owner), descriptor_(executor) {}
  ~Link() {
    if (descriptor_.is_open()) descriptor_.release();  // never close: the fd belongs to hiredis
  }
  Link(const Link&) = delete;
  Link& operator=(const Link&) = delete;

  // Takes over the event hooks of `context`. False if its socket cannot be watched.
  bool attach(redisAsyncContext* context) {
    error_code ec;
    descriptor_.assign(context->c.fd, ec);
    if (ec) return false;
    context_ = context;
    context->data = this;
    context->ev.data = this;
    context->ev.addRead = [](void* link) { static_cast<Link*>(link)->want(read_side); };
    context->ev.delRead = [](void* link) { static_cast<Link*>(link)->unwant(read_side); };
    context->ev.addWrite = [](void* link) { static_cast<Link*>(link)->want(write_side); };
    context->ev.delWrite = [](void* link) { static_cast<Link*>(link)->unwant(write_side); };
    context->ev.cleanup = [](void* link) { static_cast<Link*>(link)->on_cleanup(); };
    return true;
  }

  // Null once hiredis has freed (or is freeing) the context.
  redisAsyncContext* context() const { return context_; }
  Supervisor& owner() const { return owner_; }
  int fd() const { return context_ ? context_->c.fd : -1; }

  // Commands sent on this context, oldest first: Redis answers in order, so the front is always
  // the next reply and the only deadline that can expire first. Owned by hiredis (privdata).
  std::deque<PendingReply*> in_flight;

 private:
  static constexpr int read_side = 0;
  static constexpr int write_side = 1;
  struct Side {
    bool wanted = false;   // hiredis asked for this event (addRead/addWrite)
    bool waiting = false;  // an async_wait is outstanding; hiredis calls add* repeatedly
  };

  void want(int side) {
    sides_[side].wanted = true;
    arm(side);
  }
  void unwant(int side) { sides_[side].wanted = false; }

  void arm(int side) {
    if (sides_[side].waiting || context_ == nullptr) return;
    sides_[side].waiting = true;
    // A wait started while the socket is already ready completes at once: Asio re-registers the
    // descriptor with epoll (EPOLL_CTL_MOD) when a wait starts on an empty queue, so the data left
    // after hiredis' one 16 KiB read is not lost to edge triggering.
    descriptor_.async_wait(side == read_side ? asio::posix::descriptor_base::wait_read
                                             : asio::posix::descriptor_base::wait_write,
                           [self = shared_from_this(), side](const error_code& ec) { self->on_event(side, ec); });
  }

  void on_event(int side, const error_code& ec) {
    sides_[side].waiting = false;
    // Dead link (the context is gone), no longer wanted, or cancelled by release(): nothing to do.
    if (context_ == nullptr || !sides_[side].wanted || ec == asio::error::operation_aborted) return;
    // On any other error hiredis' own read/write fails and it disconnects: let it find out.
    // hiredis re-arms through addRead/addWrite while it wants more. It may free the context in
    // here (then on_cleanup ran and context_ is null); `self` in the handler keeps *this alive.
    if (side == read_side) {
      read_now();
    } else {
      redisAsyncHandleWrite(context_);
    }
  }

  // One read: hiredis parses every reply it got and calls back into the owner, which collects
  // what its callers are owed and hands it over after hiredis has returned, in this same handler
  // (not posted behind the rest of the loop's work).
  void read_now();
  static constexpr int kMaxReadsAtOnce = 16;  // of hiredis' 16 KiB: bounds what one read holds

  void on_cleanup();  // the context is being freed; defined after Supervisor

  Supervisor& owner_;
  asio::posix::stream_descriptor descriptor_;
  redisAsyncContext* context_ = nullptr;
  Side sides_[2];
};

// Keeps one Link connected: connects with a deadline, reconnects with jittered exponential
// backoff after any loss, until stop(). Subclasses say what "usable" means (SELECT, SUBSCRIBE).
class Supervisor : public std::enable_shared_from_this<Supervisor> {
 public:
  Supervisor(asio::any_io_executor executor, Endpoint endpoint, ConnectionOptions options)
      : executor_(std::move(executor)),
        endpoint_(std::move(endpoint)),
        options_(options),
        connect_timer_(executor_),
        reconnect_timer_(executor_),
        random_(std::random_device{}()) {
    options_.reconnect_backoff_min = std::max(options_.reconnect_backoff_min, std::chrono::milliseconds{1});
    options_.reconnect_backoff_max = std::max(options_.reconnect_backoff_max, options_.reconnect_backoff_min);
  }
  virtual ~Supervisor() = default;
  Supervisor(const Supervisor&) = delete;
  Supervisor& operator=(const Supervisor&) = delete;

  void start() {
    if (state_ != State::idle) return;
    open_link();
  }

  void stop() {
    if (state_ == State::stopped) return;
    state_ = State::stopped;  // first, so that the loss below schedules nothing
    connect_timer_.cancel();
    reconnect_timer_.cancel();
    on_stopping();
    close_link(Errc::shut_down);
  }

  bool ready() const { return state_ == State::ready; }
  bool stopped() const { return state_ == State::stopped; }

  // Around each read of the link (Link::read_now): the callbacks hiredis makes in between are
  // inside hiredis, where no caller's code may run; after_read() runs it.
  virtual void before_read() {}
  virtual void after_read() {}
  std::uint64_t reconnects() const { return reconnects_.load(); }

  // hiredis' connect callback (not flagged "in callback" by hiredis: never free from here).
  static void on_hiredis_connect(const redisAsyncContext* context, int status) {
    auto* link = static_cast<Link*>(context->data);
    // On failure hiredis frees the context right after this returns: cleanup does the rest.
    if (status == REDIS_OK) link->owner().on_link_connected(*link);
  }

  // From Link::on_cleanup: the context is being freed, every command on it has been answered.
  void on_link_closed(Link& link) {
    if (link_.get() != &link) return;
    link_.reset();  // the caller that entered hiredis holds another reference
    closing_reason_ = Errc::connection_lost;
    connect_timer_.cancel();
    on_link_down();
    if (state_ == State::stopped) return;
    schedule_reconnect();
  }

 protected:
  virtual void on_link_up(Link& link) = 0;  // connected; call mark_ready() once usable
  virtual void on_ready() = 0;              // after mark_ready()
  virtual void on_link_down() = 0;          // the context is gone
  virtual void on_stopping() = 0;

  // Inside hiredis callbacks: post the work, never free the context from there.
  void mark_ready() {
    state_ = State::ready;
    connect_timer_.cancel();
    failed_attempts_ = 0;
    if (++successful_connections_ > 1) ++reconnects_;
    on_ready();
  }

  // Drops the current link; hiredis answers everything in flight with NULL (-> `reason`).
  // Never call from inside a hiredis callback: use close_link_later().
  void close_link(Errc reason) {
    if (!link_ || link_->context() == nullptr) return;
    const std::shared_ptr<Link> link = link_;  // hiredis calls cleanup (-> link_.reset()) in here
    closing_reason_ = reason;
    redisAsyncFree(link->context());
    closing_reason_ = Errc::connection_lost;
  }

  void close_link_later(Errc reason) {
    asio::post(executor_, [weak = weak_from_this(), generation = generation_, reason] {
      const auto self = weak.lock();
      if (self && self->generation_ == generation) self->close_link(reason);
    });
  }

  // Why commands answered with a NULL reply got none.
  std::error_code closing_reason() const { return closing_reason_; }
  const std::shared_ptr<Link>& link() const { return link_; }

  // Empty while the object is being destroyed (stop() from a destructor), never throws.
  template <class Derived>
  std::weak_ptr<Derived> weak_self() {
    return std::static_pointer_cast<Derived>(weak_from_this().lock());
  }

  asio::any_io_executor executor_;
  Endpoint endpoint_;
  ConnectionOptions options_;

 private:
  enum class State { idle, connecting, ready, waiting, stopped };

  void on_link_connected(Link& link) {
    if (endpoint_.kind == Endpoint::Kind::tcp) enable_tcp_keepalive(link.fd());
    on_link_up(link);
  }

  void open_link() {
    ++generation_;
    state_ = State::connecting;
    ignore_sigpipe_once();
    // Non-blocking connect. A host name is resolved synchronously by hiredis: give an address.
    redisAsyncContext* context = endpoint_.kind == Endpoint::Kind::unix_socket
                                     ? redisAsyncConnectUnix(endpoint_.path.c_str())
                                     : redisAsyncConnect(endpoint_.host.c_str(), endpoint_.port);
    if (context == nullptr) {  // out of memory
      schedule_reconnect();
      return;
    }
    if (context->err != 0) {  // e.g. refused at once: no hooks attached yet, free it directly
      redisAsyncFree(context);
      schedule_reconnect();
      return;
    }
    auto link = std::make_shared<Link>(executor_, *this);
    if (!link->attach(context)) {
      redisAsyncFree(context);
      schedule_reconnect();
      return;
    }
    link_ = std::move(link);
    // Also arms the first write wait: a connecting socket becomes writable once connected.
    redisAsyncSetConnectCallback(context, &Supervisor::on_hiredis_connect);

    connect_timer_.expires_after(options_.connect_timeout);
    connect_timer_.async_wait([weak = weak_from_this(), generation = generation_](const error_code& ec) {
      const auto self = weak.lock();
      if (ec || !self || self->generation_ != generation || self->state_ != State::connecting) return;
      self->close_link(Errc::connection_lost);  // connect (or SELECT) took too long
    });
  }

  void schedule_reconnect() {
    state_ = State::waiting;
    reconnect_timer_.expires_after(next_backoff());
    reconnect_timer_.async_wait([weak = weak_from_this()](const error_code& ec) {
      const auto self = weak.lock();
      if (ec || !self || self->state_ != State::waiting) return;
      self->open_link();
    });
  }

  // Exponential backoff with full jitter: uniform in [min, min * 2^attempts], capped at max,
  // so that many hubs that lost the same Redis do not come back in lockstep.
  std::chrono::milliseconds next_backoff() {
    const auto min = options_.reconnect_backoff_min.count();
    const auto max = options_.reconnect_backoff_max.count();
    const unsigned shift = std::min(failed_attempts_, 20u);
    const auto cap = std::min<long long>(max, static_cast<long long>(min) << shift);
    ++failed_attempts_;
    std::uniform_int_distribution<long long> pick(min, std::max<long long>(min, cap));
    return std::chrono::milliseconds{pick(random_)};
  }

  State state_ = State::idle;
  std::shared_ptr<Link> link_;
  std::uint64_t generation_ = 0;  // one per link: stale timers and posts recognise themselves
  asio::steady_timer connect_timer_;
  asio::steady_timer reconnect_timer_;
  std::minstd_rand random_;
  unsigned failed_attempts_ = 0;
  std::uint64_t successful_connections_ = 0;
  mi::hub::RelaxedCounter reconnects_;  // read by /metrics on any shard
  Errc closing_reason_ = Errc::connection_lost;
};

void Link::read_now() {
  const auto owner = owner_.weak_from_this().lock();  // empty only while it is being destroyed
  if (owner) owner->before_read();
  // hiredis reads at most 16 KiB at a time. Whatever else has come is read too (bounded), so that
  // a burst that Redis sent while this loop was busy is handed over as one.
  for (int reads = 0; reads < kMaxReadsAtOnce && context_ != nullptr; ++reads) {
    redisAsyncHandleRead(context_);
    int waiting = 0;
    if (context_ == nullptr || ioctl(context_->c.fd, FIONREAD, &waiting) != 0 || waiting <= 0) break;
  }
  if (owner) owner->after_read();
}

void Link::on_cleanup() {
  context_ = nullptr;
  sides_[read_side].wanted = sides_[write_side].wanted = false;
  // Deregisters from epoll and cancels the waits before hiredis closes the fd, right after this
  // hook returns. release(), not close(): closing is hiredis' job.
  descriptor_.release();
  owner_.on_link_closed(*this);
}

// ------------------------------------------------------------------------------------------------
// Commands

class CommandClient;

// One command awaiting its reply, owned by hiredis as privdata.
struct PendingReply {
  PendingReply(Clock::time_point d, bool user_command) : deadline(d), counted(user_command) {}
  virtual ~PendingReply() = default;
  PendingReply(const PendingReply&) = delete;
  PendingReply& operator=(const PendingReply&) = delete;

  // Exactly once: with the reply, or with `ec` and no reply.
  virtual void finish(CommandClient& client, const redisReply* reply, std::error_code ec) = 0;

  Clock::time_point deadline;
  bool counted;           // a caller's command (counters), not one of ours (SELECT)
  bool finished = false;  // answered already (deadline); the hiredis callback only deletes it
};

constexpr std::size_t pubsub_refusal_count = 7;
constexpr std::string_view pubsub_commands[pubsub_refusal_count] = {
    "subscribe", "psubscribe", "ssubscribe", "unsubscribe", "punsubscribe", "sunsubscribe", "monitor"};

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return (x | 0x20) == (y | 0x20);  // ASCII letters only are compared here
         });
}

// Commands that would put the context in a mode where replies no longer match commands in
// order (hiredis 0.14 even asserts on some): refused before they reach Redis.
std::optional<Reply> refusal(const std::vector<std::string>& args) {
  if (args.empty()) return make_error_reply("ERR empty command");
  if (args.size() > static_cast<std::size_t>(INT_MAX)) return make_error_reply("ERR too many arguments");
  for (const auto command : pubsub_commands)
    if (iequals(args.front(), command))
      return make_error_reply("ERR " + args.front() + " is not available on a command connection; use Subscriber");
  return std::nullopt;
}

void on_command_reply(redisAsyncContext* context, void* reply, void* privdata);

class CommandClient : public Supervisor {
 public:
  CommandClient(asio::any_io_executor executor, Endpoint endpoint, ConnectionOptions options,
                const ScriptSet& scripts)
      : Supervisor(std::move(executor), std::move(endpoint), options), scripts_(scripts), watchdog_(executor_) {}
  ~CommandClient() override { stop(); }  // while the members the callbacks use still exist

  const ScriptSet& scripts() const { return scripts_; }
  void set_on_connected(std::function<void()> callback) { on_connected_ = std::move(callback); }
  std::uint64_t commands_sent() const { return sent_.load(); }
  std::uint64_t commands_failed() const { return failed_.load(); }
  void count_failed(std::size_t n) { failed_ += n; }

  // Why `count` commands cannot be sent now (fast failure), or nothing.
  std::error_code admission(std::size_t count) const {
    if (stopped()) return Errc::shut_down;
    if (!ready() || !link()) return Errc::not_connected;
    if (link()->in_flight.size() + count > options_.max_in_flight) return Errc::overloaded;
    return {};
  }

  // Awaitable forms. `args`/`commands` must live until the co_await returns (hiredis copies them
  // into its output buffer during the initiation).
  auto async_exec(const std::vector<std::string>& args) {
    return asio::async_initiate<const asio::use_awaitable_t<>&, void(Result)>(
        [this, &args](auto handler) { send_single(args, ResumeSlot<Result>(std::move(handler))); },
        asio::use_awaitable);
  }
  auto async_exec_pipeline(const std::vector<std::vector<std::string>>& commands) {
    return asio::async_initiate<const asio::use_awaitable_t<>&, void(PipelineResult)>(
        [this, &commands](auto handler) {
          send_pipeline(commands, ResumeSlot<PipelineResult>(std::move(handler)));
        },
        asio::use_awaitable);
  }

  // Resumes the waiting coroutine, never from inside hiredis: the replies of one read resume
  // their callers right after it (after_read), anything else from the executor.
  template <class T>
  void resume_later(ResumeSlot<T> slot, T value) {
    if (in_read_) {
      resumes_after_read_.emplace_back(
          [slot = std::move(slot), value = std::move(value)](std::monostate) mutable { slot(std::move(value)); });
    } else {
      asio::post(executor_, [slot = std::move(slot), value = std::move(value)]() mutable { slot(std::move(value)); });
    }
  }

  void before_read() override { in_read_ = true; }
  void after_read() override {
    in_read_ = false;
    // A resumed caller may send more commands (and read nothing): the list is taken first.
    auto resumes = std::move(resumes_after_read_);
    resumes_after_read_.clear();
    for (auto& resume : resumes) resume({});
  }

  void on_reply(Link& link, std::unique_ptr<PendingReply> pending, const redisReply* reply) {
    auto& queue = link.in_flight;
    if (!queue.empty() && queue.front() == pending.get()) {
      queue.pop_front();
    } else if (const auto it = std::find(queue.begin(), queue.end(), pending.get()); it != queue.end()) {
      queue.erase(it);  // not expected: hiredis answers in order
    }
    if (pending->finished) return;
    pending->finished = true;
    if (reply != nullptr) {
      pending->finish(*this, reply, {});
    } else {
      if (pending->counted) ++failed_;
      pending->finish(*this, nullptr, closing_reason());
    }
  }

  void on_select_reply(const redisReply* reply) {
    if (reply == nullptr) return;  // the link is going away; cleanup reconnects
    if (reply->type == REDIS_REPLY_ERROR) {
      close_link_later(Errc::connection_lost);  // e.g. db out of range: retry with backoff
      return;
    }
    mark_ready();
  }

 private:
  void send_single(const std::vector<std::string>& args, ResumeSlot<Result> resume);
  void send_pipeline(const std::vector<std::vector<std::string>>& commands, ResumeSlot<PipelineResult> resume);
  bool append(Link& link, const std::vector<std::string>& args, std::unique_ptr<PendingReply>& pending);
  void write_now(Link& link);
  Clock::time_point deadline() const { return Clock::now() + options_.command_timeout; }

  // One timer for all commands: replies come in order, so only the oldest can expire first.
  void arm_watchdog() {
    if (watchdog_armed_ || !link() || link()->in_flight.empty()) return;
    watchdog_armed_ = true;
    watchdog_.expires_at(link()->in_flight.front()->deadline);
    watchdog_.async_wait([weak = weak_self<CommandClient>()](const error_code& ec) {
      const auto self = weak.lock();
      if (!self) return;
      self->watchdog_armed_ = false;
      if (!ec) self->on_watchdog();
    });
  }

  void on_watchdog() {
    if (!link() || link()->in_flight.empty()) return;
    PendingReply* oldest = link()->in_flight.front();
    if (oldest->deadline > Clock::now()) {
      arm_watchdog();
      return;
    }
    oldest->finished = true;  // hiredis still owns it and deletes it when it frees the context
    if (oldest->counted) ++failed_;
    oldest->finish(*this, nullptr, Errc::timed_out);
    // A reply this late means a broken or stuck link: drop it (redisAsyncDisconnect would wait for
    // the very replies that are late). The rest in flight fail with connection_lost.
    close_link(Errc::connection_lost);
  }

  void on_link_up(Link& link) override;
  void on_ready() override {
    asio::post(executor_, [weak = weak_self<CommandClient>()] {
      const auto self = weak.lock();
      if (self && !self->stopped() && self->on_connected_) self->on_connected_();
    });
  }
  void on_link_down() override {}
  void on_stopping() override { watchdog_.cancel(); }

  const ScriptSet& scripts_;
  std::function<void()> on_connected_;
  asio::steady_timer watchdog_;
  bool watchdog_armed_ = false;
  // Read by /metrics on any shard.
  mi::hub::RelaxedCounter sent_;
  mi::hub::RelaxedCounter failed_;
  std::vector<const char*> argv_;  // scratch, reused: single-threaded
  std::vector<std::size_t> argv_sizes_;

  bool in_read_ = false;
  std::vector<ResumeSlot<std::monostate>> resumes_after_read_;  // each resumes one caller
};

struct SingleReply final : PendingReply {
  SingleReply(Clock::time_point d, ResumeSlot<Result> r) : PendingReply(d, true), resume(std::move(r)) {}
  void finish(CommandClient& client, const redisReply* reply, std::error_code ec) override {
    client.resume_later(std::move(resume), reply ? Result{{}, copy_reply(*reply)} : Result{ec, {}});
  }
  ResumeSlot<Result> resume;
};

struct PipelineBatch {
  ResumeSlot<PipelineResult> resume;
  std::vector<Reply> replies;
  std::size_t remaining = 0;
  bool done = false;

  void complete(CommandClient& client, std::error_code ec) {
    done = true;
    PipelineResult result;
    result.ec = ec;
    if (!ec) result.replies = std::move(replies);
    client.resume_later(std::move(resume), std::move(result));
  }
};

struct PipelinePart final : PendingReply {
  PipelinePart(Clock::time_point d, std::shared_ptr<PipelineBatch> b, std::size_t i)
      : PendingReply(d, true), batch(std::move(b)), index(i) {}
  void finish(CommandClient& client, const redisReply* reply, std::error_code ec) override {
    if (batch->done) return;  // an earlier part failed and resumed the caller already
    if (reply == nullptr) {
      batch->complete(client, ec);
      return;
    }
    batch->replies[index] = copy_reply(*reply);
    if (--batch->remaining == 0) batch->complete(client, {});
  }
  std::shared_ptr<PipelineBatch> batch;
  std::size_t index;
};

struct SelectReply final : PendingReply {
  explicit SelectReply(Clock::time_point d) : PendingReply(d, false) {}
  void finish(CommandClient& client, const redisReply* reply, std::error_code) override {
    client.on_select_reply(reply);
  }
};

void on_command_reply(redisAsyncContext* context, void* reply, void* privdata) {
  std::unique_ptr<PendingReply> pending(static_cast<PendingReply*>(privdata));
  auto* link = static_cast<Link*>(context->data);
  static_cast<CommandClient&>(link->owner())
      .on_reply(*link, std::move(pending), static_cast<const redisReply*>(reply));
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
  link.in_flight.push_back(pending.release());
  if (link.in_flight.back()->counted) ++sent_;
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
    pending->finish(*this, nullptr, Errc::not_connected);
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
    batch->complete(*this, ec);
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
      if (!batch->done) batch->complete(*this, Errc::not_connected);
      return;  // those already appended are answered later and find the batch done
    }
    ++batch->remaining;
  }
  if (batch->remaining == 0 && !batch->done) batch->complete(*this, {});  // empty, or all refused
  write_now(*current);
}

void CommandClient::write_now(Link& link) {
  // hiredis asked for a writable event when the commands went into its buffer; waiting for it
  // would cost a turn of the event loop. Written now, the wait finds nothing left to write. Not
  // from inside hiredis (a read's callbacks), where hiredis writes once it returns anyway.
  if (link.context() != nullptr && !in_read_) redisAsyncHandleWrite(link.context());
}

void CommandClient::on_link_up(Link& link) {
  if (endpoint_.db == 0) {
    mark_ready();
    return;
  }
  // Commands are refused (not_connected) until the SELECT reply: none may run in db 0.
  const std::vector<std::string> select{"SELECT", std::to_string(endpoint_.db)};
  std::unique_ptr<PendingReply> pending = std::make_unique<SelectReply>(deadline());
  if (!append(link, select, pending)) close_link_later(Errc::connection_lost);
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

// ------------------------------------------------------------------------------------------------
// Pub/sub

void pubsub_reply_callback(redisAsyncContext* context, void* reply, void* privdata);

class PubSubClient : public Supervisor {
 public:
  PubSubClient(asio::any_io_executor executor, Endpoint endpoint, ConnectionOptions options,
               Subscriber::MessageHandler on_message)
      : Supervisor(std::move(executor), std::move(endpoint), options),
        on_message_(std::move(on_message)),
        confirm_timer_(executor_) {}
  ~PubSubClient() override { stop(); }

  void set_on_resubscribed(std::function<void()> callback) { on_resubscribed_ = std::move(callback); }
  void set_on_messages_end(std::function<void()> callback) { on_messages_end_ = std::move(callback); }

  // The messages of one read, in order, then the end of them.
  void after_read() override {
    if (read_messages_.empty()) return;
    auto messages = std::move(read_messages_);
    read_messages_.clear();
    bool delivered = false;
    for (const auto& [channel, body] : messages) {
      if (stopped()) return;
      if (!channels_.contains(channel)) continue;  // unsubscribed meanwhile
      if (on_message_) on_message_(channel, body);
      delivered = true;
    }
    if (delivered && !stopped() && on_messages_end_) on_messages_end_();
  }

  void subscribe(const std::string& channel, std::function<void()> on_subscribed) {
    if (on_subscribed) {
      if (confirmed_.contains(channel)) {
        asio::post(executor_, std::move(on_subscribed));
      } else {
        confirmation_callbacks_[channel].push_back(std::move(on_subscribed));
      }
    }
    if (!channels_.insert(channel).second) return;
    if (ready() && link()) send_subscribe({&channel}, *link());
    // Otherwise the next connection subscribes it with the others.
  }

  void unsubscribe(const std::string& channel) {
    const auto it = channels_.find(channel);
    if (it == channels_.end()) return;
    channels_.erase(it);  // delivery checks the set, so nothing more is delivered from now on
    confirmed_.erase(channel);
    confirmation_callbacks_.erase(channel);
    if (ready() && link()) send(*link(), "UNSUBSCRIBE", {&channel});
  }

  void on_pubsub_reply(const redisReply& reply) {
    // RESP2 pub/sub frames: [kind, channel, payload-or-count]. hiredis checked the first two.
    if (reply.type != REDIS_REPLY_ARRAY || reply.elements < 3) return;
    const redisReply& kind = *reply.element[0];
    const redisReply& channel = *reply.element[1];
    const std::string_view kind_text(kind.str, kind.len);
    if (kind_text == "message") {
      const redisReply& payload = *reply.element[2];
      if (payload.type != REDIS_REPLY_STRING) return;
      // Handed over after the read (after_read): no user code inside hiredis. A read is at most
      // kMaxReadsAtOnce times hiredis' 16 KiB, which bounds what is held.
      read_messages_.emplace_back(std::string(channel.str, channel.len), std::string(payload.str, payload.len));
    } else if (kind_text == "subscribe") {
      if (!awaiting_confirmation_.empty()) awaiting_confirmation_.pop_front();
      std::string channel_name(channel.str, channel.len);
      if (channels_.contains(channel_name)) {
        confirmed_.insert(channel_name);
        if (auto waiting = confirmation_callbacks_.extract(channel_name)) {
          for (auto& callback : waiting.mapped()) asio::post(executor_, std::move(callback));
        }
      }
      if (resubscribe_remaining_ > 0 && --resubscribe_remaining_ == 0) post_resubscribed();
    }
  }

 private:
  static constexpr std::size_t channels_per_command = 256;

  void on_link_up(Link&) override { mark_ready(); }

  void on_ready() override {
    // Subscribe again to everything we had (all of it on the first connection). The first
    // confirmations to come back are these, since they are sent first.
    std::vector<const std::string*> batch;
    resubscribe_remaining_ = channels_.size();
    for (const auto& channel : channels_) {
      batch.push_back(&channel);
      if (batch.size() == channels_per_command) {
        send_subscribe(batch, *link());
        batch.clear();
      }
    }
    if (!batch.empty()) send_subscribe(batch, *link());
    if (channels_.empty()) post_resubscribed();
  }

  void on_link_down() override {
    awaiting_confirmation_.clear();
    confirmed_.clear();
    resubscribe_remaining_ = 0;
  }
  void on_stopping() override { confirm_timer_.cancel(); }

  void post_resubscribed() {
    asio::post(executor_, [weak = weak_self<PubSubClient>()] {
      const auto self = weak.lock();
      if (self && !self->stopped() && self->on_resubscribed_) self->on_resubscribed_();
    });
  }

  void send_subscribe(const std::vector<const std::string*>& channels, Link& link) {
    if (!send(link, "SUBSCRIBE", channels)) return;
    const auto deadline = Clock::now() + options_.command_timeout;
    for (std::size_t i = 0; i < channels.size(); ++i) awaiting_confirmation_.push_back(deadline);
    arm_confirm_timer();
  }

  bool send(Link& link, std::string_view verb, const std::vector<const std::string*>& channels) {
    if (link.context() == nullptr) return false;
    std::vector<const char*> argv{verb.data()};
    std::vector<std::size_t> sizes{verb.size()};
    for (const auto* channel : channels) {
      argv.push_back(channel->data());
      sizes.push_back(channel->size());
    }
    // hiredis keeps (callback, privdata) per channel and calls it for the confirmation, for every
    // message and, with NULL, when it frees the context; privdata is unused (context->data is).
    return redisAsyncCommandArgv(link.context(), &pubsub_reply_callback, nullptr, static_cast<int>(argv.size()),
                                 argv.data(), sizes.data()) == REDIS_OK;
  }

  // A SUBSCRIBE not confirmed in time means a stuck link: drop it and subscribe afresh.
  void arm_confirm_timer() {
    if (confirm_timer_armed_ || awaiting_confirmation_.empty()) return;
    confirm_timer_armed_ = true;
    confirm_timer_.expires_at(awaiting_confirmation_.front());
    confirm_timer_.async_wait([weak = weak_self<PubSubClient>()](const error_code& ec) {
      const auto self = weak.lock();
      if (!self) return;
      self->confirm_timer_armed_ = false;
      if (ec || self->awaiting_confirmation_.empty()) return;
      if (self->awaiting_confirmation_.front() > Clock::now()) {
        self->arm_confirm_timer();
        return;
      }
      self->close_link(Errc::connection_lost);
    });
  }

  Subscriber::MessageHandler on_message_;
  std::function<void()> on_messages_end_;
  std::vector<std::pair<std::string, std::string>> read_messages_;  // channel, payload
  std::function<void()> on_resubscribed_;
  std::set<std::string, std::less<>> channels_;  // what we want, whatever the link state
  std::set<std::string, std::less<>> confirmed_;  // what Redis confirmed on the current link
  std::map<std::string, std::vector<std::function<void()>>> confirmation_callbacks_;
  std::deque<Clock::time_point> awaiting_confirmation_;  // one deadline per channel, in send order
  std::size_t resubscribe_remaining_ = 0;
  asio::steady_timer confirm_timer_;
  bool confirm_timer_armed_ = false;
};

void pubsub_reply_callback(redisAsyncContext* context, void* reply, void*) {
  if (reply == nullptr) return;  // the context is being freed
  auto* link = static_cast<Link*>(context->data);
  static_cast<PubSubClient&>(link->owner()).on_pubsub_reply(*static_cast<const redisReply*>(reply));
}

}  // namespace

// ------------------------------------------------------------------------------------------------
// Public classes

struct Connection::Impl final : CommandClient {
  using CommandClient::CommandClient;
};

Connection::Connection(boost::asio::any_io_executor executor, Endpoint endpoint, ConnectionOptions options,
                       const ScriptSet& scripts)
    : impl_(std::make_shared<Impl>(std::move(executor), std::move(endpoint), options, scripts)) {}

Connection::~Connection() { impl_->stop(); }

void Connection::start() { impl_->start(); }
void Connection::stop() { impl_->stop(); }
bool Connection::is_connected() const { return impl_->ready(); }
void Connection::set_on_connected(std::function<void()> callback) { impl_->set_on_connected(std::move(callback)); }

boost::asio::awaitable<Result> Connection::exec(std::vector<std::string> args) {
  const std::shared_ptr<Impl> impl = impl_;  // the coroutine may outlive *this
  if (const auto ec = impl->admission(1)) {  // fail fast, without a trip through the executor
    impl->count_failed(1);
    co_return Result{ec, {}};
  }
  co_return co_await impl->async_exec(args);
}

boost::asio::awaitable<PipelineResult> Connection::exec_pipeline(std::vector<std::vector<std::string>> commands) {
  const std::shared_ptr<Impl> impl = impl_;
  if (commands.empty()) co_return PipelineResult{};
  if (const auto ec = impl->admission(commands.size())) {
    impl->count_failed(commands.size());
    co_return PipelineResult{ec, {}};
  }
  co_return co_await impl->async_exec_pipeline(commands);
}

boost::asio::awaitable<Result> Connection::eval(std::string_view script_name, std::vector<std::string> keys,
                                                std::vector<std::string> args) {
  const std::shared_ptr<Impl> impl = impl_;
  // Looked up before the first suspension: `script_name` need not outlive the call.
  const Script* script = impl->scripts().find(script_name);
  if (script == nullptr) co_return Result{make_error_code(Errc::unknown_script), {}};

  std::vector<std::string> command;
  command.reserve(3 + keys.size() + args.size());
  command.emplace_back("EVALSHA");
  command.push_back(script->sha1);
  command.push_back(std::to_string(keys.size()));
  std::move(keys.begin(), keys.end(), std::back_inserter(command));
  std::move(args.begin(), args.end(), std::back_inserter(command));

  if (const auto ec = impl->admission(1)) {
    impl->count_failed(1);
    co_return Result{ec, {}};
  }
  Result first = co_await impl->async_exec(command);
  if (!is_noscript(first)) co_return first;

  // The server lost its script cache (restart, SCRIPT FLUSH, failover): load and retry once, in
  // one round trip. A script that does not compile comes back as the SCRIPT LOAD error.
  std::vector<std::vector<std::string>> retry = load_and_retry(*script, std::move(command));
  if (const auto ec = impl->admission(retry.size())) {
    impl->count_failed(retry.size());
    co_return Result{ec, {}};
  }
  PipelineResult second = co_await impl->async_exec_pipeline(retry);
  if (second.ec) co_return Result{second.ec, {}};
  if (second.replies[0].is_error()) co_return Result{{}, std::move(second.replies[0])};
  co_return Result{{}, std::move(second.replies[1])};
}

std::uint64_t Connection::commands_sent() const { return impl_->commands_sent(); }
std::uint64_t Connection::commands_failed() const { return impl_->commands_failed(); }
std::uint64_t Connection::reconnects() const { return impl_->reconnects(); }

struct Subscriber::Impl final : PubSubClient {
  using PubSubClient::PubSubClient;
};

Subscriber::Subscriber(boost::asio::any_io_executor executor, Endpoint endpoint, ConnectionOptions options,
                       MessageHandler on_message)
    : impl_(std::make_shared<Impl>(std::move(executor), std::move(endpoint), options, std::move(on_message))) {}

Subscriber::~Subscriber() { impl_->stop(); }

void Subscriber::start() { impl_->start(); }
void Subscriber::stop() { impl_->stop(); }
bool Subscriber::is_connected() const { return impl_->ready(); }
void Subscriber::set_on_resubscribed(std::function<void()> callback) {
  impl_->set_on_resubscribed(std::move(callback));
}
void Subscriber::set_on_messages_end(std::function<void()> callback) { impl_->set_on_messages_end(std::move(callback)); }
void Subscriber::subscribe(const std::string& channel, std::function<void()> on_subscribed) {
  impl_->subscribe(channel, std::move(on_subscribed));
}
void Subscriber::unsubscribe(const std::string& channel) { impl_->unsubscribe(channel); }

}  // namespace mi::redis
