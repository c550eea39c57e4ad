#pragma once
// One WebSocket client: an agent (after onboard or hello) or a watcher (after watch).
//
// The session speaks RFC 6455 itself (protocol/websocket_frame) over its transport (TCP, or TLS
// on the same socket), so that an idle session costs little: while it waits it is one small
// receive on its socket (over TLS, one readiness wait), with no other buffer (larger reads go
// into the shard's shared buffer and are handled where they lie) and no coroutine frame; a reader coroutine runs only while a request waits for Redis. A frame to send
// goes out at once with one non-blocking send when nothing is queued; only what the socket cannot
// take waits in a bounded queue, drained by a writer coroutine that exists while there is a
// backlog and writes it gathered. Requests are handled one at a time, in order. Deadlines (first
// message, presence, slow writes, closing handshake) are checked by the shard's periodic tick,
// not by a timer each. The closing handshake is decided by a CloseHandshake; the session carries
// out its steps. The session ends once its reader and its writer have both stopped.

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/basic_stream_socket.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "hub/core/close_handshake.hpp"
#include "hub/core/connections_per_address.hpp"
#include "hub/core/colony_event.hpp"
#include "hub/core/end_reason.hpp"
#include "hub/core/event_sequencer.hpp"
#include "hub/core/open_connection_count.hpp"
#include "hub/core/outbound_queue.hpp"
#include "hub/core/token_bucket.hpp"
#include "hub/fanout/participant.hpp"
#include "hub/fanout/shard.hpp"
#include "hub/net/transport.hpp"
#include "protocol/client_message.hpp"
#include "protocol/websocket_frame.hpp"

namespace mi::hub {

class WsSession final : public Participant, public std::enable_shared_from_this<WsSession> {
 public:
  enum class Role { pending, agent, watcher };

  // `remote_address`: the client (section 5: the peer, or whom a trusted proxy names), whose
  // --max-connections-per-address slot the session holds. `early_bytes`: what the client sent
  // after its upgrade request, already read.
  WsSession(Shard& shard, net::Transport transport, std::string remote_address, std::string early_bytes,
            ConnectionsPerAddress::Slot address_slot);
  ~WsSession();
  WsSession(const WsSession&) = delete;
  WsSession& operator=(const WsSession&) = delete;

  // Sends the 101 (`upgrade_response`) and serves the session until it ends. What waits on the
  // socket holds the session, so it can be started and left alone.
  void start(std::string upgrade_response);

  // Sends whole WebSocket frames (`messages` of them in `frames`); a session whose queue is over
  // its bound is closed with 4009.
  void send(SharedMessage frames, std::size_t messages = 1);

  // Closing handshake with `code`; `end_reason` is what an agent's offline event will say, unless
  // the connection ends otherwise first.
  void close(std::uint16_t code, std::string_view reason, EndReason end_reason);

  // Drops the connection at once.
  void terminate(EndReason end_reason);

  // Participant: what the shard asks of its sessions.
  void check_deadlines(std::int64_t now) override;
  std::optional<std::vector<std::string>> presence_refresh_command(std::int64_t now, std::int64_t ttl_ms) override;
  void close_for_drain() override;
  void on_event(const SharedEvent& event) override;
  // A watcher in step with the feed sends the joined frames in one write, any other takes the
  // events one by one.
  void on_events(std::span<const SharedEvent> events, const SharedMessage& joined) override;
  void catch_up() override;
  void leave_broken_history(const std::string& current_epoch) override;
  // A new connection id, marked as the agent's connection again (a long Redis outage made this
  // hub look lost), which brings the agent back online.
  void reassert() override;
  void end_if_removed(const std::string& agent_id) override;

  Role role() const { return role_; }
  const std::string& colony() const { return colony_; }
  const std::string& agent_id() const { return agent_id_; }

 private:
  // Transport (ws_session_io.cpp).
  enum class ReadStep {
    wait,     // everything read was handled: wait for the socket
    request,  // a request must wait for Redis (waiting_request_); the bytes after it are kept
    stop,     // the reading is over (close frame, protocol error, end of stream, termination)
  };
  void continue_reading(ReadStep step);
  void wait_for_bytes();
  boost::asio::awaitable<void> run_requests();
  ReadStep on_wake_bytes(std::size_t size);
  ReadStep stream_ended();
  ReadStep read_available(std::string_view already_read);
  ReadStep take(char* data, std::size_t size);
  ReadStep dispatch(char* data, std::size_t size, bool data_is_pending);
  ReadStep dispatch_pending();
  ReadStep handle_message(protocol::websocket::Opcode opcode, std::string_view payload);
  void write_now(SharedMessage frame);
  void start_writer();
  boost::asio::awaitable<void> write_loop();

  // Closing and ending (ws_session_close.cpp).
  void fail(std::uint16_t code, const char* why);
  void carry_out(const CloseSteps& steps);
  void send_close_frame(const CloseFrame& close);
  void drop_connection();
  void on_reader_stopped();
  void start_end();
  boost::asio::awaitable<void> end();
  boost::asio::awaitable<void> read_and_drop();
  // Waits for `timer` to expire or be cancelled; the session's termination cuts the wait short.
  boost::asio::awaitable<boost::system::error_code> terminable_wait(boost::asio::steady_timer& timer);
  // Waits until `bytes` more fit in half the watcher's queue bound (or the queue is empty): a
  // snapshot's parts go no faster than the watcher reads them, so no size of colony trips the
  // bound, and events that came meanwhile still fit after them. False once the session ends.
  boost::asio::awaitable<bool> wait_for_room(std::size_t bytes);

  // Requests (ws_session.cpp).
  // Handles what needs no I/O at once; returns the request when it must wait for Redis.
  std::unique_ptr<protocol::ClientMessage> handle_text(std::string_view text);
  boost::asio::awaitable<void> handle_request(std::unique_ptr<protocol::ClientMessage> message);
  boost::asio::awaitable<void> handle_onboard(const protocol::OnboardRequest& request,
                                              const std::optional<std::string>& id);
  boost::asio::awaitable<void> handle_hello(const protocol::HelloRequest& request,
                                            const std::optional<std::string>& id);
  boost::asio::awaitable<void> handle_watch(const protocol::WatchRequest& request,
                                            const std::optional<std::string>& id);
  // WAIT for --redis-min-replicas-ack replicas before an answer that confirms a write (welcome
  // of a redemption, cloned); `what` names it in the log when the replicas fall short.
  boost::asio::awaitable<void> wait_for_replicas_before_answering(const std::string& what);
  boost::asio::awaitable<void> handle_clone(const std::optional<std::string>& id);
  boost::asio::awaitable<void> handle_chat(const protocol::ChatRequest& request,
                                           const std::optional<std::string>& id);
  void handle_status(const protocol::StatusRequest& request);
  boost::asio::awaitable<void> publish_status();
  boost::asio::awaitable<void> fill_gaps();
  void deliver(EventSequencer::Release release);
  // Starts the watcher's sequence after its snapshot or resume went out, unless the history
  // broke meanwhile under an epoch other than the one it read.
  void start_sequence(std::uint64_t seq, const std::string& epoch);
  // The colony's history is not the one this watcher follows: close with 4009 for a snapshot.
  void close_for_new_epoch();
  void become_agent(std::string colony, std::string agent_id, std::string secret_sha256);
  // Records in Redis that `connection_id` ended (agent_disconnect.lua), retrying while Redis is
  // unreachable; a connection Redis does not know yet is marked ended so it never comes online.
  // `grace_ms`: how long the agent stays online for a socket of it to come back (0: none).
  boost::asio::awaitable<void> record_end(std::string colony, std::string connection_id, std::string reason,
                                          std::int64_t last_frame, std::int64_t grace_ms);
  // Ends connection_id_ in the background: its connect or redemption got no answer in time.
  void abandon_connection(const std::string& colony);
  boost::asio::awaitable<void> on_end();

  void send_text(std::string_view json);
  // `retry_after_seconds`: when the request may be made again (rate_limited), if known.
  void send_error(std::string_view code, std::string_view message, const std::optional<std::string>& id,
                  std::optional<std::int64_t> retry_after_seconds = std::nullopt);
  std::int64_t last_frame_wall_ms() const;

  Shard& shard_;
  // What the shard's tick reads of every session, together: at tens of thousands of sessions the
  // walk costs one cache line each, not three.
  std::int64_t opened_at_ = 0;
  std::int64_t last_frame_ = 0;
  std::int64_t write_started_ = 0;  // 0 while no write is in progress
  std::int64_t last_refresh_ = 0;     // agents: when the presence key was last refreshed
  std::int64_t refreshed_frame_ = 0;  // agents: last_frame_ at that refresh
  CloseHandshake handshake_;
  Role role_ = Role::pending;
  bool handling_request_ = false;
  net::Transport transport_;
  OpenConnectionCount open_count_;
  ConnectionsPerAddress::Slot address_slot_;
  std::string remote_address_;
  std::string pending_;  // bytes read and not handled yet: a partial frame, or frames behind a request
  // What the idle receive reads into over TCP: a heartbeat frame (26 bytes) fits whole.
  std::array<char, 32> wake_bytes_;
  protocol::websocket::FrameReader reader_;
  std::unique_ptr<protocol::ClientMessage> waiting_request_;
  OutboundQueue queue_;
  // Emitted when the session terminates. Timers live in the coroutine that waits on them (idle
  // sessions hold none), and their waits are bound to this signal (terminable_wait). A signal has
  // one slot, so at most one wait is bound at a time, which the roles make so: the onboard delay
  // (before the first message is handled), the live-subscription wait (watchers) and the status
  // publisher's wait (agents). Socket operations end with the socket's close.
  boost::asio::cancellation_signal termination_;

  std::string colony_;
  std::string agent_id_;
  std::string connection_id_;

  bool writer_running_ = false;
  boost::asio::steady_timer* room_waiter_ = nullptr;  // wait_for_room's, while it waits
  bool reading_stopped_ = false;  // the reader is done: the writer, if it still runs, starts the end

  // Colony membership (both roles), so that events reach the session.
  bool in_colony_ = false;
  bool subscription_live_ = false;

  // Watcher.
  std::unique_ptr<EventSequencer> sequencer_;  // watchers only
  bool filling_ = false;
  // The colony's history broke while this watcher was still reading its snapshot or resume:
  // the epoch it must start on (empty: unknown, so whatever it read is suspect).
  std::optional<std::string> epoch_required_at_start_;

  // Agent.
  std::string secret_sha256_;  // to re-assert the connection without the secret itself
  std::optional<TokenBucket> chat_budget_;
  std::optional<std::string> pending_meta_;
  bool status_publisher_running_ = false;
};

}  // namespace mi::hub
