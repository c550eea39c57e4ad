// How a WsSession closes and ends. What to do is the CloseHandshake's decision; this carries its
// steps out on the socket. The session ends once its reader and its writer have both stopped:
// whichever stops last starts the end, so that no timer waits for the other.

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include "hub/core/log.hpp"
#include "hub/core/no_throw.hpp"
#include "hub/core/steady_clock.hpp"
#include "hub/session/would_block.hpp"
#include "hub/session/ws_session.hpp"

namespace mi::hub {

namespace asio = boost::asio;
namespace websocket = protocol::websocket;

void WsSession::close(std::uint16_t code, std::string_view reason, EndReason end_reason) {
  carry_out(handshake_.close(code, reason, end_reason, steady_ms()));
}

void WsSession::terminate(EndReason end_reason) { carry_out(handshake_.abort(end_reason)); }

void WsSession::fail(std::uint16_t code, const char* why) {
  log::debug("closing ", remote_address_, " with ", code, ": ", why);
  carry_out(handshake_.protocol_error(code, why, steady_ms()));
}

void WsSession::carry_out(const CloseSteps& steps) {
  if (steps.send_close) send_close_frame(*steps.send_close);
  if (steps.shutdown_send) {
    transport_.shutdown_send();
  }
  // read_and_drop is the first part of the end (read_and_drop()): it comes when the close for a
  // protocol error has left, by when the reader has stopped at the error and the writer is done,
  // so the end is about to start.
  if (steps.terminate) drop_connection();
}

void WsSession::send_close_frame(const CloseFrame& close) {
  auto frame = std::make_shared<const std::string>(close.code == websocket::close_code::no_status
                                                       ? websocket::encode_frame(websocket::Opcode::close, {})
                                                       : websocket::encode_close_frame(close.code, close.reason));
  if (queue_.empty() && !writer_running_) {
    write_now(std::move(frame));
  } else {
    queue_.push_unbounded(std::move(frame));
  }
}

asio::awaitable<boost::system::error_code> WsSession::terminable_wait(asio::steady_timer& timer) {
  auto [ec] = co_await timer.async_wait(asio::bind_cancellation_slot(termination_.slot(), kNoThrow));
  // A completed wait leaves its cancellation handler in the slot, pointing to the timer: clear it
  // before the timer goes.
  termination_.slot().clear();
  co_return ec;
}

// Every pending socket operation completes with operation_aborted, and the wait bound to the
// termination signal, if one is, is cancelled.
void WsSession::drop_connection() {
  transport_.close();
  termination_.emit(asio::cancellation_type::all);
}

// What still holds the session once the reader has stopped without a termination is the writer
// with our close frame (the handshake waits for it to leave): the writer starts the end when done.
void WsSession::on_reader_stopped() {
  reading_stopped_ = true;
  if (!writer_running_) start_end();
}

void WsSession::start_end() {
  asio::co_spawn(transport_.socket().get_executor(), [self = shared_from_this()] { return self->end(); },
                 asio::detached);
}

asio::awaitable<void> WsSession::end() {
  co_await read_and_drop();
  // Neither side reads or writes any more: whatever the handshake still waited for will not come.
  terminate(EndReason::closed);
  co_await on_end();
  shard_.remove_session(*this);
  shard_.context().metrics.sessions_open.closed();
}

// After a protocol error the peer may still be sending; see CloseHandshake::close_sent.
asio::awaitable<void> WsSession::read_and_drop() {
  while (handshake_.draining()) {
    // Over TLS too the bytes are taken raw: they are dropped unread, and nothing is sent after.
    auto& socket = transport_.socket();
    auto [wait_error] = co_await socket.async_wait(asio::socket_base::wait_read, kNoThrow);
    boost::system::error_code read_error = wait_error;
    if (!read_error) {
      auto& buffer = shard_.read_buffer();
      socket.read_some(asio::buffer(buffer.data(), buffer.size()), read_error);
    }
    if (read_error && !would_block(read_error)) carry_out(handshake_.read_ended());
  }
}

}  // namespace mi::hub
