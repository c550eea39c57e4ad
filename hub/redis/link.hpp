#pragma once
// One hiredis async context and the stream_descriptor that watches its socket for it: hiredis
// 0.14 ships no Asio adapter, this is it.
//
// Ownership, in one place, because every crash in hiredis adapters comes from getting it wrong:
//  - A Link is held by a shared_ptr in its owner (the Supervisor) and by every pending wait on the
//    socket. Whoever calls into hiredis (a wait handler, the owner's close) holds a shared_ptr to
//    the Link for the duration of the call, because hiredis may free the context inside that call.
//  - hiredis frees a context in three ways: redisAsyncFree (close()), an I/O error or EOF seen
//    inside redisAsyncHandleRead/Write, and a failed connect. Before freeing it hiredis calls back
//    every command still waiting, with a NULL reply; then each way ends in the `cleanup` hook, which
//    marks the Link dead (context() == nullptr), releases (never closes) the descriptor and tells
//    the owner (LinkOwner::on_link_closed), which schedules the reconnection. Wait handlers that
//    run later see a dead Link.
//  - The owner outlives every context it opened: its destructor frees the current one. So the raw
//    LinkOwner& in a Link, and context->data (the Link), are valid in every hiredis callback.
//  - hiredis does not mark its connect callback as "in a callback": redisAsyncFree from there (or
//    from the owner's on_link_connected) would free the context under hiredis' feet. Reply
//    callbacks may not run the caller's code either (it could stop or destroy the client while
//    hiredis is on the stack): the clients collect what their callers are owed and hand it over
//    in after_read(), once hiredis has returned.
//  - hiredis 0.14 writes with write(2): the first Link sets SIGPIPE to SIG_IGN if it was still
//    SIG_DFL, or a write to a dead Redis would kill the process.

#include <memory>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/system/error_code.hpp>
#include <hiredis/async.h>

#include "hub/redis/endpoint.hpp"

namespace mi::redis::detail {

class Link;

// What a Link reports to, from inside hiredis' callbacks (see the ownership rules above).
class LinkOwner {
 public:
  virtual ~LinkOwner() = default;

  // The connection is up (hiredis' connect callback). Never free the context from here.
  virtual void on_link_connected(Link& link) = 0;
  // The context is being freed: every command on it has been answered (with NULL if need be).
  virtual void on_link_closed(Link& link) = 0;
  // Around each read: the callbacks hiredis makes in between are inside hiredis, where no
  // caller's code may run; after_read() runs it, in the same handler as the read.
  virtual void before_read() {}
  virtual void after_read() {}
  // Keeps the owner alive across a read whose after_read() may drop the last other reference.
  // Empty only while the owner is being destroyed.
  virtual std::shared_ptr<LinkOwner> keep_alive() = 0;

 protected:
  LinkOwner() = default;
  LinkOwner(const LinkOwner&) = default;
  LinkOwner& operator=(const LinkOwner&) = default;
};

class Link : public std::enable_shared_from_this<Link> {
 public:
  // Starts a non-blocking connection to `endpoint`, its socket watched on `executor`. Null if it
  // cannot even start (out of memory, refused at once, a socket that cannot be watched); else
  // `owner` hears of it once connected (or, on failure, closed).
  static std::shared_ptr<Link> open(const boost::asio::any_io_executor& executor, LinkOwner& owner,
                                    const Endpoint& endpoint);

  Link(const boost::asio::any_io_executor& executor, LinkOwner& owner, bool tcp);
  ~Link();
  Link(const Link&) = delete;
  Link& operator=(const Link&) = delete;

  // Null once hiredis has freed (or is freeing) the context.
  redisAsyncContext* context() const { return context_; }
  LinkOwner& owner() const { return owner_; }
  int fd() const { return context_ ? context_->c.fd : -1; }

  // Frees the context (redisAsyncFree): hiredis answers every command in flight with NULL, then
  // cleans up (-> LinkOwner::on_link_closed). The caller holds a shared_ptr to this Link for the
  // duration, and is not inside a hiredis callback.
  void close();

 private:
  static constexpr int read_side = 0;
  static constexpr int write_side = 1;
  // Reads at most this many times hiredis' 16 KiB per readiness event: bounds what one read holds.
  static constexpr int kMaxReadsAtOnce = 16;
  struct Side {
    bool wanted = false;   // hiredis asked for this event (addRead/addWrite)
    bool waiting = false;  // an async_wait is outstanding; hiredis calls add* repeatedly
  };

  // Takes over the event hooks of `context`. False if its socket cannot be watched.
  bool attach(redisAsyncContext* context);
  static void on_hiredis_connect(const redisAsyncContext* context, int status);

  void want(int side);
  void unwant(int side) { sides_[side].wanted = false; }
  void arm(int side);
  void on_event(int side, const boost::system::error_code& ec);
  void read_now();
  void on_cleanup();

  LinkOwner& owner_;
  const bool tcp_;
  boost::asio::posix::stream_descriptor descriptor_;
  redisAsyncContext* context_ = nullptr;
  Side sides_[2];
};

}  // namespace mi::redis::detail
