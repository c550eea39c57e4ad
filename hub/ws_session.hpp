#pragma once
// One WebSocket client: an agent (after onboard or hello) or a watcher (after watch).
// A reader coroutine handles requests one at a time; a writer coroutine is the only one that
// writes, draining a bounded queue of shared buffers. Deadlines (first message, presence, slow
// writes, closing handshake) are checked by the shard's periodic tick, not by a timer each.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/websocket/stream.hpp>

#include "hub/colony_event.hpp"
#include "hub/event_sequencer.hpp"
#include "hub/outbound_queue.hpp"
#include "hub/token_bucket.hpp"
#include "hub/shard.hpp"
#include "protocol/client_message.hpp"

namespace mi::hub {

class WsSession : public std::enable_shared_from_this<WsSession> {
 public:
  enum class Role { pending, agent, watcher };

  WsSession(Shard& shard, boost::beast::tcp_stream stream, std::string remote_address);
  ~WsSession();
  WsSession(const WsSession&) = delete;
  WsSession& operator=(const WsSession&) = delete;

  // Completes the upgrade and serves the session until it ends.
  boost::asio::awaitable<void> run(boost::beast::http::request<boost::beast::http::string_body> upgrade);

  // Queues a message; a session whose queue is over its bound is closed with 4009.
  void send(SharedMessage message);

  // Closing handshake with `code`; `end_reason` is what an agent's offline event will say.
  void close(std::uint16_t code, std::string_view reason, std::string_view end_reason);

  // Drops the TCP connection at once.
  void terminate(std::string_view end_reason);

  // Called by the shard's tick with the current steady_ms().
  void check_deadlines(std::int64_t now);

  // An event of the session's colony (watchers get all, in order; agents get chat).
  void on_event(const SharedEvent& event);
  // Look in the event stream for anything missed (after the event subscription came back).
  void catch_up();

  // This hub was swept as lost while it held this agent's socket (a long Redis outage): mark
  // the connection again, which brings the agent back online.
  void reassert();

  // The command that refreshes this agent's presence key, when it is due (see Shard).
  std::optional<std::vector<std::string>> presence_refresh_command(std::int64_t now, std::int64_t ttl_ms);

  Role role() const { return role_; }
  const std::string& colony() const { return colony_; }
  const std::string& agent_id() const { return agent_id_; }

 private:
  boost::asio::awaitable<void> read_loop();
  boost::asio::awaitable<void> write_loop();
  boost::asio::awaitable<void> handle_text(std::string_view text);
  boost::asio::awaitable<void> handle_onboard(const protocol::OnboardRequest& request,
                                              const std::optional<std::string>& id);
  boost::asio::awaitable<void> handle_hello(const protocol::HelloRequest& request,
                                            const std::optional<std::string>& id);
  boost::asio::awaitable<void> handle_watch(const protocol::WatchRequest& request,
                                            const std::optional<std::string>& id);
  boost::asio::awaitable<void> handle_clone(const std::optional<std::string>& id);
  boost::asio::awaitable<void> handle_chat(const protocol::ChatRequest& request,
                                           const std::optional<std::string>& id);
  void handle_status(const protocol::StatusRequest& request);
  boost::asio::awaitable<void> publish_status();
  boost::asio::awaitable<void> fill_gaps();
  void deliver(EventSequencer::Release release);
  void become_agent(std::string colony, std::string agent_id, std::string secret_sha256);
  boost::asio::awaitable<void> on_end();

  void send_text(std::string text) { send(std::make_shared<const std::string>(std::move(text))); }
  void send_error(std::string_view code, std::string_view message, const std::optional<std::string>& id);
  void wake_writer();
  std::int64_t last_frame_wall_ms() const;

  Shard& shard_;
  boost::beast::websocket::stream<boost::beast::tcp_stream> ws_;
  std::string remote_address_;
  boost::beast::flat_buffer read_buffer_;
  OutboundQueue queue_;
  boost::asio::steady_timer writer_wakeup_;
  boost::asio::steady_timer writer_finished_;
  boost::asio::steady_timer delay_timer_;
  boost::asio::steady_timer live_wait_timer_;
  boost::asio::steady_timer status_timer_;
  Shard::SessionList::iterator registration_;

  Role role_ = Role::pending;
  std::string colony_;
  std::string agent_id_;
  std::string connection_id_;
  std::string end_reason_;

  std::int64_t opened_at_ = 0;
  std::int64_t last_frame_ = 0;
  std::int64_t write_started_ = 0;  // 0 while no write is in progress
  std::int64_t close_started_ = 0;  // 0 until a closing handshake starts
  bool handling_request_ = false;
  bool close_requested_ = false;
  boost::beast::websocket::close_reason close_reason_;
  bool reader_done_ = false;
  bool writer_done_ = false;
  bool terminated_ = false;

  // Colony membership (both roles), so that events reach the session.
  bool in_colony_ = false;
  bool subscription_live_ = false;

  // Watcher.
  EventSequencer sequencer_;
  bool filling_ = false;

  // Agent.
  std::string secret_sha256_;  // to re-assert the connection without the secret itself
  std::int64_t last_refresh_ = 0;
  std::int64_t refreshed_frame_ = 0;
  std::optional<TokenBucket> chat_budget_;
  std::optional<std::string> pending_meta_;
  bool status_publisher_running_ = false;
};

}  // namespace mi::hub
