#include "cli/hub_stream.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "hub/core/no_throw.hpp"
#include "cli/connect.hpp"
#include "cli/network_error.hpp"
#include "cli/tls.hpp"

namespace mi::cli {

namespace asio = boost::asio;
namespace beast = boost::beast;

asio::awaitable<void> HubStream::connect(const HubEndpoint& hub, std::chrono::steady_clock::duration timeout) {
  co_await connect_to_hub(tcp_, hub.url(), timeout);
  if (hub.tls() == nullptr) co_return;

  tls_.emplace(tcp_, hub.tls()->context());
  prepare_tls_connection(tls_->native_handle(), hub.url().host);
  // The handshake reads and writes through tcp_, whose timer connect_to_hub left running.
  auto [error] = co_await tls_->async_handshake(asio::ssl::stream_base::client, kNoThrow);
  if (!error) co_return;
  if (auto problem = certificate_problem(tls_->native_handle(), hub.url().host)) {
    throw UntrustedHub(hub.text(), hub.url().host, problem->reason, problem->advice);
  }
  if (error == beast::error::timeout || error.category() != asio::error::get_ssl_category()) {
    throw NetworkError(hub.text(), describe_network_failure(error, timeout));
  }
  throw NetworkError(hub.text(), describe_tls_failure(error));
}

void HubStream::close() {
  beast::error_code ignored;
  tcp_.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  tcp_.close();
}

}  // namespace mi::cli
