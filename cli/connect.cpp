#include "cli/connect.hpp"

#include <memory>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/error.hpp>

#include "hub/core/no_throw.hpp"
#include "cli/network_error.hpp"
#include "cli/time_text.hpp"

namespace mi::cli {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

std::string describe_network_failure(const boost::system::error_code& error,
                                     std::chrono::steady_clock::duration timeout) {
  if (error == beast::error::timeout || error == asio::error::operation_aborted) {
    return "no answer within " + duration_text(timeout);
  }
  if (error == asio::error::connection_refused) return "connection refused";
  // Over TLS, a close without TLS's own close_notify is "stream truncated": the same thing here.
  if (error == asio::error::eof || error == asio::error::connection_reset ||
      error == asio::ssl::error::stream_truncated) {
    return "the hub closed the connection";
  }
  if (error == asio::error::host_not_found || error == asio::error::host_not_found_try_again) {
    return "unknown host name";
  }
  return error.message();
}

asio::awaitable<void> connect_to_hub(beast::tcp_stream& stream, const HubUrl& hub,
                                     std::chrono::steady_clock::duration timeout) {
  auto executor = co_await asio::this_coro::executor;
  const auto deadline = std::chrono::steady_clock::now() + timeout;

  // The timer may fire after this frame is gone, so it reaches the resolver through a weak_ptr.
  auto resolver = std::make_shared<tcp::resolver>(executor);
  asio::steady_timer resolve_deadline(executor, deadline);
  resolve_deadline.async_wait([weak = std::weak_ptr<tcp::resolver>(resolver)](boost::system::error_code ec) {
    if (auto alive = weak.lock(); alive && !ec) alive->cancel();
  });
  auto [resolve_error, endpoints] = co_await resolver->async_resolve(hub.host, hub.port, kNoThrow);
  resolve_deadline.cancel();
  if (resolve_error) throw NetworkError(hub.text(), describe_network_failure(resolve_error, timeout));

  stream.expires_at(deadline);
  auto [connect_error, endpoint] = co_await stream.async_connect(endpoints, kNoThrow);
  if (connect_error) throw NetworkError(hub.text(), describe_network_failure(connect_error, timeout));
}

}  // namespace mi::cli
