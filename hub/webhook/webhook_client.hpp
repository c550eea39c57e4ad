#pragma once
// One webhook POST over HTTP or HTTPS (Boost.Beast), with one deadline over the whole exchange:
// resolve, connect, TLS handshake, request and response. HTTPS verifies the endpoint's
// certificate against the system's trust store and its name. A connection per POST: deliveries
// of a colony are at most one per --webhook-batch-wait, so there is little to keep alive.

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>

namespace mi::hub {

// The parts of --webhook-url a POST needs.
struct WebhookUrl {
  bool tls = false;
  std::string host;    // without brackets for IPv6
  std::string port;    // "80" / "443" when the URL has none
  std::string target;  // path and query, "/" when empty
  std::string host_header;

  // nullopt when the URL is not http:// or https://, or names no host.
  static std::optional<WebhookUrl> parse(const std::string& url);
};

struct WebhookResponse {
  int status = 0;     // 0: no answer (error says why)
  std::string error;  // empty when an answer came
};

class WebhookClient {
 public:
  explicit WebhookClient(WebhookUrl url);
  ~WebhookClient();

  // POSTs `body` as application/json with the two headers; never throws.
  boost::asio::awaitable<WebhookResponse> post(boost::asio::any_io_executor executor, const std::string& body,
                                               const std::string& signature, const std::string& delivery_id,
                                               std::chrono::milliseconds timeout);

  const WebhookUrl& url() const { return url_; }

 private:
  WebhookUrl url_;
  std::unique_ptr<boost::asio::ssl::context> tls_;  // https only
};

}  // namespace mi::hub
