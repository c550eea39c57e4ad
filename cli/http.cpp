#include "cli/http.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include "hub/core/no_throw.hpp"
#include "cli/connect.hpp"
#include "cli/hub_stream.hpp"
#include "cli/network_error.hpp"
#include "cli/version.hpp"

namespace mi::cli {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {
// The hub's replies are small JSON documents; a larger one means something else answered.
constexpr std::uint64_t kMaxResponseBytes = 64 * 1024 * 1024;
}  // namespace

asio::awaitable<HttpResponse> send_http_request(const HubEndpoint& hub, HttpRequest request,
                                                std::chrono::steady_clock::duration timeout) {
  HubStream stream(co_await asio::this_coro::executor);
  // One deadline for the whole exchange: connect() leaves the TCP stream's timer running.
  co_await stream.connect(hub, timeout);

  http::request<http::string_body> message(http::string_to_verb(request.method), hub.url().target(request.path),
                                           11);
  message.set(http::field::host, hub.url().host_header());
  message.set(http::field::user_agent, std::string("mi/") + std::string(kVersion));
  message.set(http::field::accept, "application/json");
  if (!request.bearer_token.empty()) message.set(http::field::authorization, "Bearer " + request.bearer_token);
  if (!request.body.empty()) message.set(http::field::content_type, "application/json");
  message.body() = std::move(request.body);
  message.keep_alive(false);
  message.prepare_payload();

  auto [write_error, written] = co_await http::async_write(stream, message, kNoThrow);
  if (write_error) throw NetworkError(hub.text(), describe_network_failure(write_error, timeout));

  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(kMaxResponseBytes);
  auto [read_error, read] = co_await http::async_read(stream, buffer, parser, kNoThrow);
  if (read_error) throw NetworkError(hub.text(), describe_network_failure(read_error, timeout));

  // No TLS close_notify: the reply is complete by its own framing (a length or chunks), so nothing
  // can have been cut off, and waiting for the
  // hub's close_notify would only add a round trip.
  stream.close();
  co_return HttpResponse{parser.get().result_int(), std::move(parser.get().body())};
}

boost::asio::awaitable<bool> hub_answers_at(const HubEndpoint& hub) {
  // Named, not a temporary in the co_await: GCC 12 destroys such a temporary twice.
  HttpRequest request{"GET", "/healthz", {}, {}};
  try {
    const auto health = co_await send_http_request(hub, std::move(request));
    co_return health.status == 200 && health.body.find("\"status\":\"ok\"") != std::string::npos;
  } catch (const NetworkError&) {
    co_return false;
  }
}

}  // namespace mi::cli
