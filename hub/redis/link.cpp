#include "hub/redis/link.hpp"

#include <csignal>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <boost/asio/error.hpp>
#include <hiredis/hiredis.h>

namespace mi::redis::detail {
namespace {

namespace asio = boost::asio;
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

}  // namespace

std::shared_ptr<Link> Link::open(const asio::any_io_executor& executor, LinkOwner& owner, const Endpoint& endpoint) {
  ignore_sigpipe_once();
  const bool tcp = endpoint.kind == Endpoint::Kind::tcp;
  // Non-blocking connect. A host name is resolved synchronously by hiredis: give an address.
  redisAsyncContext* context = tcp ? redisAsyncConnect(endpoint.host.c_str(), endpoint.port)
                                   : redisAsyncConnectUnix(endpoint.path.c_str());
  if (context == nullptr) return nullptr;  // out of memory
  if (context->err != 0) {                 // e.g. refused at once: no hooks attached yet, free it directly
    redisAsyncFree(context);
    return nullptr;
  }
  auto link = std::make_shared<Link>(executor, owner, tcp);
  if (!link->attach(context)) {
    redisAsyncFree(context);
    return nullptr;
  }
  // Also arms the first write wait: a connecting socket becomes writable once connected.
  redisAsyncSetConnectCallback(context, &Link::on_hiredis_connect);
  return link;
}

Link::Link(const asio::any_io_executor& executor, LinkOwner& owner, bool tcp)
    : owner_(owner), tcp_(tcp), descriptor_(executor) {}

Link::~Link() {
  if (descriptor_.is_open()) descriptor_.release();  // never close: the fd belongs to hiredis
}

bool Link::attach(redisAsyncContext* context) {
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

void Link::on_hiredis_connect(const redisAsyncContext* context, int status) {
  auto* link = static_cast<Link*>(context->data);
  // On failure hiredis frees the context right after this returns: cleanup does the rest.
  if (status != REDIS_OK) return;
  if (link->tcp_) enable_tcp_keepalive(link->fd());
  link->owner_.on_link_connected(*link);
}

void Link::close() {
  if (context_ != nullptr) redisAsyncFree(context_);
}

void Link::want(int side) {
  sides_[side].wanted = true;
  arm(side);
}

void Link::arm(int side) {
  if (sides_[side].waiting || context_ == nullptr) return;
  sides_[side].waiting = true;
  // A wait started while the socket is already ready completes at once: Asio re-registers the
  // descriptor with epoll (EPOLL_CTL_MOD) when a wait starts on an empty queue, so the data left
  // after hiredis' one 16 KiB read is not lost to edge triggering.
  descriptor_.async_wait(side == read_side ? asio::posix::descriptor_base::wait_read
                                           : asio::posix::descriptor_base::wait_write,
                         [self = shared_from_this(), side](const error_code& ec) { self->on_event(side, ec); });
}

void Link::on_event(int side, const error_code& ec) {
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

// One read: hiredis parses every reply it got and calls back into the owner, which collects what
// its callers are owed and hands it over after hiredis has returned, in this same handler (not
// posted behind the rest of the loop's work).
void Link::read_now() {
  const auto owner = owner_.keep_alive();
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

}  // namespace mi::redis::detail
