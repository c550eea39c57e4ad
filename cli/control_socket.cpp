#include "cli/control_socket.hpp"

#include <sys/stat.h>
#include <sys/un.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/write.hpp>
#include <simdjson.h>

#include "hub/core/no_throw.hpp"
#include "cli/command_error.hpp"
#include "cli/json_output.hpp"
#include "cli/json_read.hpp"
#include "cli/time_text.hpp"

namespace mi::cli {

namespace asio = boost::asio;
namespace fs = std::filesystem;
using local = asio::local::stream_protocol;
using namespace asio::experimental::awaitable_operators;

namespace {

// A command sends one short line at once; a peer that sends nothing is not waited for long.
constexpr std::chrono::seconds kRequestTimeout{5};
constexpr std::size_t kMaxLineBytes = 64 * 1024;

bool fits_in_socket_address(const fs::path& path) { return path.native().size() < sizeof(sockaddr_un{}.sun_path); }

// The line up to its newline, within `timeout`; nothing when it did not come.
asio::awaitable<std::optional<std::string>> read_line(local::socket& socket, std::chrono::steady_clock::duration timeout) {
  std::string buffer;
  asio::steady_timer timer(socket.get_executor(), timeout);
  auto result = co_await (asio::async_read_until(socket, asio::dynamic_buffer(buffer, kMaxLineBytes), '\n', kNoThrow) ||
                          timer.async_wait(kNoThrow));
  if (result.index() != 0) co_return std::nullopt;
  auto [error, length] = std::get<0>(result);
  if (error) co_return std::nullopt;
  buffer.resize(length - 1);
  co_return buffer;
}

}  // namespace

fs::path control_socket_path(const fs::path& credentials_file) {
  fs::path socket = credentials_file;
  return socket.replace_extension(".sock");
}

std::string control_not_relayed(const std::string& reason) {
  return JsonObject().add_raw("relayed", "false").add("reason", reason).text();
}

std::string control_relayed(const std::string& hub_reply) {
  return JsonObject().add_raw("relayed", "true").add_raw("reply", hub_reply).text();
}

std::string control_lost(const std::string& why) {
  return JsonObject().add_raw("relayed", "true").add("lost", why).text();
}

asio::awaitable<std::optional<ControlReply>> ask_daemon(const fs::path& socket_path, const std::string& hub,
                                                        const std::string& request) {
  if (!fits_in_socket_address(socket_path)) co_return std::nullopt;
  local::socket socket(co_await asio::this_coro::executor);
  auto [not_connected] = co_await socket.async_connect(local::endpoint(socket_path.native()), kNoThrow);
  // No socket file, or one that no daemon serves any more: no daemon runs for this agent.
  if (not_connected) co_return std::nullopt;
  const std::string line = JsonObject().add("hub", hub).add_raw("request", request).text() + "\n";
  auto [not_sent, written] = co_await asio::async_write(socket, asio::buffer(line), kNoThrow);
  // The daemon acts on a whole line only: one that went away before taking it did nothing.
  if (not_sent) co_return std::nullopt;
  const auto answer = co_await read_line(socket, kControlReplyTimeout);
  const auto no_answer = [&](const std::string& what) {
    return refusal("daemon_no_answer",
                   "The heartbeat daemon of this agent (" + socket_path.string() + ") took the request but " + what +
                       ", so whether the hub did it is unknown. Check the daemon's log, or the colony with mi status.");
  };
  if (!answer) throw no_answer("did not answer within " + duration_text(kControlReplyTimeout));
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  ControlReply reply;
  if (parser.parse(*answer).get(root) != simdjson::SUCCESS || root["relayed"].get(reply.relayed) != simdjson::SUCCESS) {
    throw no_answer("answered something mi cannot read");
  }
  std::string_view text;
  if (root["reason"].get(text) == simdjson::SUCCESS) reply.reason = std::string(text);
  if (root["lost"].get(text) == simdjson::SUCCESS) reply.lost = std::string(text);
  reply.reply = raw_member(*answer, "reply").value_or("");
  if (reply.relayed && reply.reply.empty() && reply.lost.empty()) throw no_answer("answered without the hub's reply");
  co_return reply;
}

ControlServer::ControlServer(asio::any_io_executor executor, fs::path socket, Relay relay)
    : executor_(std::move(executor)), socket_(std::move(socket)), relay_(std::move(relay)), acceptor_(executor_) {}

ControlServer::~ControlServer() { stop(); }

std::string ControlServer::start() {
  if (!fits_in_socket_address(socket_)) return socket_.string() + " is too long a path for a Unix socket";
  const local::endpoint endpoint(socket_.native());
  std::error_code ignored;
  if (fs::exists(fs::symlink_status(socket_, ignored))) {
    // A socket that answers belongs to another daemon of this agent, which keeps it; one that
    // does not was left by a daemon that did not stop cleanly, and is taken over.
    local::socket probe(executor_);
    boost::system::error_code refused;
    probe.connect(endpoint, refused);
    if (!refused) return "another daemon of this agent already serves " + socket_.string();
    if (!fs::is_socket(fs::symlink_status(socket_, ignored))) return socket_.string() + " exists and is not a socket";
    fs::remove(socket_, ignored);
  }
  boost::system::error_code error;
  acceptor_.open(endpoint.protocol(), error);
  if (!error) {
    // Created as 0600 from the start: no moment in which another user could connect to it.
    const mode_t previous_mask = ::umask(0177);
    acceptor_.bind(endpoint, error);
    ::umask(previous_mask);
  }
  if (!error) {
    bound_ = true;
    ::chmod(socket_.c_str(), 0600);
    acceptor_.listen(asio::socket_base::max_listen_connections, error);
  }
  if (error) {
    stop();
    return "could not listen on " + socket_.string() + " (" + error.message() + ")";
  }
  asio::co_spawn(executor_, [self = shared_from_this()] { return self->accept_loop(); }, asio::detached);
  return {};
}

void ControlServer::stop() {
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  if (bound_) {
    std::error_code also_ignored;
    fs::remove(socket_, also_ignored);
    bound_ = false;
  }
}

asio::awaitable<void> ControlServer::accept_loop() {
  while (acceptor_.is_open()) {
    auto [error, connection] = co_await acceptor_.async_accept(kNoThrow);
    if (error == asio::error::operation_aborted || !acceptor_.is_open()) co_return;
    if (error) continue;
    asio::co_spawn(
        executor_,
        [self = shared_from_this(), connection = std::move(connection)]() mutable {
          return self->serve(std::move(connection));
        },
        asio::detached);
  }
}

asio::awaitable<void> ControlServer::serve(local::socket connection) {
  const auto line = co_await read_line(connection, kRequestTimeout);
  if (!line) co_return;
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  std::string_view hub;
  auto request = raw_member(*line, "request");
  std::string reply;
  if (parser.parse(*line).get(root) != simdjson::SUCCESS || root["hub"].get(hub) != simdjson::SUCCESS || !request) {
    reply = control_not_relayed("the request is not one that mi sends");
  } else {
    std::string hub_text(hub);
    std::string relayed = *std::move(request);
    reply = co_await relay_(std::move(hub_text), std::move(relayed));
  }
  reply.push_back('\n');
  co_await asio::async_write(connection, asio::buffer(reply), kNoThrow);
}

}  // namespace mi::cli
