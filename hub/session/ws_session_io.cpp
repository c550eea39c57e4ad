// The transport of WsSession: reading frames and writing them. The closing handshake and the
// session's end are ws_session_close.cpp, the requests ws_session.cpp.

#include <array>
#include <cstring>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/container/static_vector.hpp>

#include "hub/core/log.hpp"
#include "hub/core/no_throw.hpp"
#include "hub/core/steady_clock.hpp"
#include "hub/core/user_messages.hpp"
#include "hub/session/would_block.hpp"
#include "hub/session/ws_session.hpp"

namespace mi::hub {

namespace asio = boost::asio;
namespace websocket = protocol::websocket;

namespace {
// Reads in a row for one session before the others get their turn (the socket stays readable,
// so its wait completes again at once).
constexpr int kReadsPerWakeup = 4;
// Frames one gathered write (writev) sends at most.
constexpr std::size_t kMaxGather = 16;
}  // namespace

WsSession::WsSession(Shard& shard, net::Transport transport, std::string remote_address, std::string early_bytes,
                     ConnectionsPerAddress::Slot address_slot)
    : shard_(shard),
      transport_(std::move(transport)),
      open_count_(shard.context().metrics),
      address_slot_(std::move(address_slot)),
      remote_address_(std::move(remote_address)),
      pending_(std::move(early_bytes)),
      reader_(shard.context().config.max_message_bytes),
      queue_(shard.context().config.agent_queue_bytes) {}

WsSession::~WsSession() = default;

void WsSession::start(std::string upgrade_response) {
  shard_.add_session(*this);
  shard_.context().metrics.sessions_open.opened();
  opened_at_ = last_frame_ = steady_ms();
  // Writes and reads are tried at once and must not block (serve_connection sets it on accept).
  if (!transport_.socket().non_blocking()) {
    boost::system::error_code ec;
    transport_.socket().non_blocking(true, ec);
  }
  send(std::make_shared<const std::string>(std::move(upgrade_response)));
  continue_reading(dispatch_pending());
}

// Idle, a session is one small receive whose handler holds the session: no coroutine frame and
// no buffer beyond the 32 bytes of wake_bytes_. A coroutine runs only while a request waits for
// Redis, and at the end. A receive, unlike a readiness wait, needs no epoll_ctl to re-arm: after
// a read that emptied the socket, Asio queues the next one without a system call, and a heartbeat
// frame arrives whole in the wake buffer.
void WsSession::continue_reading(ReadStep step) {
  if (handshake_.terminated()) step = ReadStep::stop;
  switch (step) {
    case ReadStep::wait:
      wait_for_bytes();
      return;
    case ReadStep::request:
      asio::co_spawn(transport_.socket().get_executor(), [self = shared_from_this()] { return self->run_requests(); },
                     asio::detached);
      return;
    case ReadStep::stop:
      on_reader_stopped();
      return;
  }
}

// Over TLS the bytes on the socket are records, which OpenSSL reads itself: the session waits for
// readiness instead (an epoll registration it has anyway), or, when OpenSSL holds decrypted bytes
// or the last read may not have emptied the socket, reads again at once.
void WsSession::wait_for_bytes() {
  auto& socket = transport_.socket();
  if (!transport_.secure()) {
    socket.async_receive(asio::buffer(wake_bytes_),
                         [self = shared_from_this()](const boost::system::error_code& ec, std::size_t size) {
                           self->continue_reading(ec ? self->stream_ended() : self->on_wake_bytes(size));
                         });
    return;
  }
  auto on_ready = [self = shared_from_this()](const boost::system::error_code& ec) {
    self->continue_reading(ec ? self->stream_ended() : self->read_available({}));
  };
  switch (transport_.before_read()) {
    case net::Readiness::now:
      asio::post(socket.get_executor(), [on_ready = std::move(on_ready)] { on_ready(boost::system::error_code{}); });
      return;
    case net::Readiness::readable:
      socket.async_wait(asio::socket_base::wait_read, std::move(on_ready));
      return;
    case net::Readiness::writable:
      socket.async_wait(asio::socket_base::wait_write, std::move(on_ready));
      return;
  }
}

WsSession::ReadStep WsSession::on_wake_bytes(std::size_t size) {
  if (size < wake_bytes_.size()) return take(wake_bytes_.data(), size);
  // A full wake buffer may have more behind it: read the rest in behind it, in the shard's buffer.
  return read_available(std::string_view(wake_bytes_.data(), size));
}

// The peer's direction of the stream ended or failed (or the socket was closed by terminate).
WsSession::ReadStep WsSession::stream_ended() {
  carry_out(handshake_.read_ended());
  return ReadStep::stop;
}

// Requests are handled one at a time, in order: the socket is not read meanwhile.
asio::awaitable<void> WsSession::run_requests() {
  ReadStep step = ReadStep::request;
  while (step == ReadStep::request && !handshake_.terminated()) {
    co_await handle_request(std::move(waiting_request_));
    step = handshake_.terminated() ? ReadStep::stop : dispatch_pending();
  }
  continue_reading(step);
}

WsSession::ReadStep WsSession::read_available(std::string_view already_read) {
  auto& buffer = shard_.read_buffer();
  // An empty view may have no data at all (nullptr), which memcpy must not be given.
  if (!already_read.empty()) std::memcpy(buffer.data(), already_read.data(), already_read.size());
  std::size_t filled = already_read.size();
  for (int reads = 0; reads < kReadsPerWakeup; ++reads) {
    boost::system::error_code ec;
    bool emptied = false;
    // Over TCP one read takes what the socket holds, up to the buffer's size; over TLS one read
    // is one record, so reads go on until the socket is empty or the buffer full.
    do {
      std::size_t size = transport_.read_some(asio::buffer(buffer.data() + filled, buffer.size() - filled), ec);
      if (ec && !would_block(ec)) {
        if (filled > 0) take(buffer.data(), filled);
        return stream_ended();  // end of stream or reset: the client is gone
      }
      filled += size;
      emptied = ec || (!transport_.secure() && filled < buffer.size());
    } while (!emptied && transport_.secure() && filled < buffer.size());
    auto step = filled > 0 ? take(buffer.data(), filled) : ReadStep::wait;
    if (step != ReadStep::wait || emptied) return step;
    filled = 0;
  }
  return ReadStep::wait;
}

// Bytes just read: handled where they lie when nothing is pending, else behind what is.
WsSession::ReadStep WsSession::take(char* data, std::size_t size) {
  if (pending_.empty()) return dispatch(data, size, false);
  pending_.append(data, size);
  return dispatch_pending();
}

WsSession::ReadStep WsSession::dispatch_pending() {
  if (pending_.empty()) return ReadStep::wait;
  return dispatch(pending_.data(), pending_.size(), true);
}

// Handles the whole frames at the start of `data`. What is left (a partial frame, or the frames
// behind a request that must wait) is kept in pending_, since `data` may be the shard's buffer.
WsSession::ReadStep WsSession::dispatch(char* data, std::size_t size, bool data_is_pending) {
  using Kind = websocket::FrameReader::Result::Kind;
  std::size_t at = 0;
  ReadStep step = ReadStep::wait;
  while (step == ReadStep::wait && !handshake_.terminated()) {
    auto result = reader_.next(data + at, size - at);
    if (result.kind == Kind::need_more) break;
    if (result.kind == Kind::error) {
      fail(result.close_code, result.error);
      step = ReadStep::stop;
      break;
    }
    at += result.consumed;
    if (result.kind == Kind::fragment) {
      last_frame_ = steady_ms();
      continue;
    }
    step = handle_message(result.opcode, result.payload);
  }
  if (step == ReadStep::stop) {
    std::string().swap(pending_);
  } else if (data_is_pending) {
    pending_.erase(0, at);
  } else {
    pending_.assign(data + at, size - at);
  }
  // Most sessions are idle most of the time: between messages they hold no buffer.
  if (pending_.empty() && pending_.capacity() > 0) std::string().swap(pending_);
  return step;
}

WsSession::ReadStep WsSession::handle_message(websocket::Opcode opcode, std::string_view payload) {
  // Every frame is a heartbeat, control frames included.
  last_frame_ = steady_ms();
  auto& metrics = shard_.context().metrics;
  switch (opcode) {
    case websocket::Opcode::text:
      metrics.ws_messages_in.fetch_add(1, std::memory_order_relaxed);
      waiting_request_ = handle_text(payload);
      return waiting_request_ ? ReadStep::request : ReadStep::wait;
    case websocket::Opcode::binary:
      metrics.ws_messages_in.fetch_add(1, std::memory_order_relaxed);
      if (role_ == Role::pending) send_error("unauthorized", user_messages::kUnauthorizedFirstMessage, std::nullopt);
      return ReadStep::wait;
    case websocket::Opcode::ping:
      send(std::make_shared<const std::string>(websocket::encode_frame(websocket::Opcode::pong, payload)));
      return ReadStep::wait;
    case websocket::Opcode::close: {
      websocket::ClosePayload close;
      websocket::FrameReader::parse_close(payload, close);
      carry_out(handshake_.peer_closed(close.code, last_frame_));
      return ReadStep::stop;
    }
    default:  // pong, or a continuation the reader has already put together
      return ReadStep::wait;
  }
}

void WsSession::send(SharedMessage frame, std::size_t messages) {
  if (!handshake_.may_send()) return;
  // Joined frames are one buffer to the writer, which counts one message when it is written.
  if (messages > 1) {
    shard_.context().metrics.ws_messages_out.fetch_add(messages - 1, std::memory_order_relaxed);
  }
  if (queue_.empty() && !writer_running_) {
    write_now(std::move(frame));
    return;
  }
  if (!queue_.push(std::move(frame))) {
    shard_.context().metrics.ws_slow_closes.fetch_add(1, std::memory_order_relaxed);
    log::info("closing ", remote_address_, " with 4009: ", queue_.bytes(), " bytes waiting to be sent");
    queue_.drop_unstarted();
    close(4009, "too slow: outbound queue full", EndReason::closed);
  }
}

// Nothing is queued: most frames leave here in one send(2), and no coroutine runs. What the
// socket cannot take now waits in the queue for the writer.
void WsSession::write_now(SharedMessage frame) {
  boost::system::error_code ec;
  std::size_t written = transport_.write_some(asio::buffer(*frame), ec);
  if (would_block(ec)) {
    written = 0;
  } else if (ec) {
    terminate(EndReason::closed);
    return;
  }
  if (written == frame->size()) {
    shard_.context().metrics.ws_messages_out.fetch_add(1, std::memory_order_relaxed);
    // Nothing is sent after our close frame, so while closing this frame is ours.
    if (handshake_.closing()) carry_out(handshake_.close_sent());
    return;
  }
  queue_.push(std::move(frame), written);
  start_writer();
}

asio::awaitable<bool> WsSession::wait_for_room(std::size_t bytes) {
  const auto limit = shard_.context().config.watcher_queue_bytes / 2;
  while (handshake_.may_send() && !queue_.empty() && queue_.bytes() + bytes > limit) {
    asio::steady_timer room(transport_.socket().get_executor(), asio::steady_timer::time_point::max());
    room_waiter_ = &room;
    co_await terminable_wait(room);
    room_waiter_ = nullptr;
  }
  co_return handshake_.may_send();
}

void WsSession::start_writer() {
  if (writer_running_ || handshake_.terminated()) return;
  writer_running_ = true;
  asio::co_spawn(transport_.socket().get_executor(), [self = shared_from_this()] { return self->write_loop(); },
                 asio::detached);
}

asio::awaitable<void> WsSession::write_loop() {
  auto& metrics = shard_.context().metrics;
  while (!handshake_.terminated() && !queue_.empty()) {
    boost::container::static_vector<asio::const_buffer, kMaxGather> buffers;
    queue_.take_for_write(kMaxGather, buffers,
                          [](std::string_view bytes) { return asio::const_buffer(bytes.data(), bytes.size()); });
    // A 4009 may drop the backlog while this write runs: the frames being sent stay alive here.
    std::array<SharedMessage, kMaxGather> sending;
    for (std::size_t i = 0; i < queue_.in_flight(); ++i) sending[i] = queue_.at(i);
    write_started_ = steady_ms();
    auto [ec, written] = co_await transport_.write_all(buffers);
    write_started_ = 0;
    if (ec) {
      terminate(EndReason::closed);
      break;
    }
    metrics.ws_messages_out.fetch_add(queue_.consume(written), std::memory_order_relaxed);
    if (room_waiter_) room_waiter_->cancel();
  }
  writer_running_ = false;
  // Nothing is queued after our close frame: while closing, an empty queue means it has left.
  if (handshake_.closing() && queue_.empty()) carry_out(handshake_.close_sent());
  if (reading_stopped_) start_end();
}

}  // namespace mi::hub
