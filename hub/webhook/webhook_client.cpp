#include "hub/webhook/webhook_client.hpp"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/dynamic_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include "hub/core/no_throw.hpp"

namespace mi::hub {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {
// Bytes of a response read at most: the status is what counts, the body is read to keep the
// exchange clean and thrown away.
constexpr std::uint64_t kMaxResponseBytes = 64 * 1024;
}  // namespace

std::optional<WebhookUrl> WebhookUrl::parse(const std::string& url) {
  WebhookUrl parsed;
  std::string rest;
  if (url.rfind("https://", 0) == 0) {
    parsed.tls = true;
    rest = url.substr(8);
  } else if (url.rfind("http://", 0) == 0) {
    rest = url.substr(7);
  } else {
    return std::nullopt;
  }
  const auto slash = rest.find_first_of("/?");
  std::string authority = rest.substr(0, slash);
  parsed.target = slash == std::string::npos ? "/" : rest.substr(slash);
  if (parsed.target.front() == '?') parsed.target.insert(parsed.target.begin(), '/');
  if (const auto at = authority.rfind('@'); at != std::string::npos) authority.erase(0, at + 1);
  parsed.host_header = authority;
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string::npos) return std::nullopt;
    parsed.host = authority.substr(1, close - 1);
    if (close + 1 < authority.size() && authority[close + 1] == ':') parsed.port = authority.substr(close + 2);
  } else {
    const auto colon = authority.rfind(':');
    parsed.host = authority.substr(0, colon);
    if (colon != std::string::npos) parsed.port = authority.substr(colon + 1);
  }
  if (parsed.host.empty()) return std::nullopt;
  if (parsed.port.empty()) parsed.port = parsed.tls ? "443" : "80";
  return parsed;
}

WebhookClient::WebhookClient(WebhookUrl url) : url_(std::move(url)) {
  if (url_.tls) {
    tls_ = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
    SSL_CTX_set_min_proto_version(tls_->native_handle(), TLS1_2_VERSION);
    tls_->set_default_verify_paths();
    tls_->set_verify_mode(asio::ssl::verify_peer);
  }
}

WebhookClient::~WebhookClient() = default;

namespace {
template <class Stream>
asio::awaitable<WebhookResponse> exchange(Stream& stream, http::request<http::string_body>& request) {
  WebhookResponse answer;
  auto [write_ec, written] = co_await http::async_write(stream, request, kNoThrow);
  if (write_ec) {
    answer.error = "sending: " + write_ec.message();
    co_return answer;
  }
  beast::flat_buffer buffer;
  http::response_parser<http::dynamic_body> parser;
  parser.body_limit(kMaxResponseBytes);
  auto [read_ec, read] = co_await http::async_read(stream, buffer, parser, kNoThrow);
  if (read_ec) {
    answer.error = "reading the answer: " + read_ec.message();
    co_return answer;
  }
  answer.status = static_cast<int>(parser.get().result_int());
  co_return answer;
}
}  // namespace

asio::awaitable<WebhookResponse> WebhookClient::post(asio::any_io_executor executor, const std::string& body,
                                                     const std::string& signature, const std::string& delivery_id,
                                                     std::chrono::milliseconds timeout) {
  WebhookResponse answer;
  http::request<http::string_body> request{http::verb::post, url_.target, 11};
  request.set(http::field::host, url_.host_header);
  request.set(http::field::user_agent, "mi-hub-webhook");
  request.set(http::field::content_type, "application/json");
  request.set("X-Mi-Signature", signature);
  request.set("X-Mi-Delivery", delivery_id);
  request.set(http::field::connection, "close");
  request.body() = body;
  request.prepare_payload();

  beast::tcp_stream tcp(executor);
  tcp.expires_after(timeout);
  asio::ip::tcp::resolver resolver(executor);
  auto [resolve_ec, endpoints] = co_await resolver.async_resolve(url_.host, url_.port, kNoThrow);
  if (resolve_ec) {
    answer.error = "resolving " + url_.host + ": " + resolve_ec.message();
    co_return answer;
  }
  auto [connect_ec, connected] = co_await tcp.async_connect(endpoints, kNoThrow);
  if (connect_ec) {
    answer.error = "connecting to " + url_.host_header + ": " + connect_ec.message();
    co_return answer;
  }
  if (!url_.tls) {
    answer = co_await exchange(tcp, request);
    boost::system::error_code ignored;
    tcp.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    co_return answer;
  }
  beast::ssl_stream<beast::tcp_stream> tls(std::move(tcp), *tls_);
  SSL* ssl = tls.native_handle();
  boost::system::error_code not_an_address;
  asio::ip::make_address(url_.host, not_an_address);
  if (!not_an_address) {
    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), url_.host.c_str());
  } else {
    SSL_set_tlsext_host_name(ssl, url_.host.c_str());
    SSL_set1_host(ssl, url_.host.c_str());
  }
  auto [handshake_ec] = co_await tls.async_handshake(asio::ssl::stream_base::client, kNoThrow);
  if (handshake_ec) {
    answer.error = "TLS with " + url_.host_header + ": " + handshake_ec.message();
    co_return answer;
  }
  answer = co_await exchange(tls, request);
  co_return answer;
}

}  // namespace mi::hub
