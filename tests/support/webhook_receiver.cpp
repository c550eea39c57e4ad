#include "tests/support/webhook_receiver.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <openssl/hmac.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <stdexcept>

namespace mi::test {

namespace asio = boost::asio;
namespace http = boost::beast::http;

namespace {
std::int64_t unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}
}  // namespace

WebhookReceiver::WebhookReceiver(std::optional<CertificatePair> tls) {
  if (tls) {
    tls_ = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
    tls_->use_certificate_chain_file(tls->cert);
    tls_->use_private_key_file(tls->key, asio::ssl::context::pem);
  }
  listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listener_ < 0) throw std::runtime_error("webhook receiver: socket failed");
  int one = 1;
  ::setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  if (::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 || ::listen(listener_, 128) != 0) {
    ::close(listener_);
    throw std::runtime_error("webhook receiver: bind/listen failed");
  }
  socklen_t length = sizeof address;
  ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length);
  port_ = ntohs(address.sin_port);
  thread_ = std::thread([this] { serve(); });
}

WebhookReceiver::~WebhookReceiver() {
  stopping_.store(true);
  ::shutdown(listener_, SHUT_RDWR);  // wakes the blocking accept
  thread_.join();
  ::close(listener_);
}

void WebhookReceiver::serve() {
  asio::io_context io;
  while (!stopping_.load()) {
    const int fd = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      if (stopping_.load()) return;
      continue;
    }
    timeval timeout{2, 0};  // a stuck client does not hold the receiver
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    asio::ip::tcp::socket socket(io, asio::ip::tcp::v4(), fd);
    if (!tls_) {
      handle(socket);
      continue;
    }
    asio::ssl::stream<asio::ip::tcp::socket&> secure(socket, *tls_);
    boost::system::error_code ec;
    secure.handshake(asio::ssl::stream_base::server, ec);
    if (!ec) handle(secure);  // a client that refused the certificate sends nothing
  }
}

template <class Stream>
void WebhookReceiver::handle(Stream& stream) {
  boost::beast::flat_buffer buffer;
  http::request<http::string_body> request;
  boost::system::error_code ec;
  http::read(stream, buffer, request, ec);
  if (ec) return;  // the socket closes as it leaves scope
  ReceivedWebhook got;
  got.body = request.body();
  got.signature = std::string(request["X-Mi-Signature"]);
  got.delivery_id = std::string(request["X-Mi-Delivery"]);
  got.content_type = std::string(request[http::field::content_type]);
  got.received_unix_ms = unix_ms();
  if (!down_.load()) {
    int status = 200;
    int left = fail_next_.load();
    while (left > 0 && !fail_next_.compare_exchange_weak(left, left - 1)) {
    }
    if (left > 0) status = 500;
    http::response<http::string_body> response{static_cast<http::status>(status), 11};
    response.set(http::field::connection, "close");
    response.body() = status == 200 ? "ok" : "try later";
    response.prepare_payload();
    http::write(stream, response, ec);
    if (!ec) got.answered = status;
  }
  {
    std::lock_guard lock(mutex_);
    received_.push_back(std::move(got));
  }
  changed_.notify_all();
}

std::vector<ReceivedWebhook> WebhookReceiver::received() const {
  std::lock_guard lock(mutex_);
  return received_;
}

bool WebhookReceiver::wait_until(const std::function<bool(const std::vector<ReceivedWebhook>&)>& done,
                                 std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [&] { return done(received_); });
}

bool webhook_signature_valid(const std::string& secret, const std::string& signature, const std::string& body) {
  // "t=<digits>,v1=<64 hex>"
  if (signature.rfind("t=", 0) != 0) return false;
  const auto comma = signature.find(",v1=");
  if (comma == std::string::npos) return false;
  const std::string t = signature.substr(2, comma - 2);
  const std::string given = signature.substr(comma + 4);
  const std::string text = t + "." + body;
  unsigned char mac[32];
  unsigned int length = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()), reinterpret_cast<const unsigned char*>(text.data()),
       text.size(), mac, &length);
  static const char* digits = "0123456789abcdef";
  std::string expected;
  for (unsigned i = 0; i < length; ++i) {
    expected += digits[mac[i] >> 4];
    expected += digits[mac[i] & 15];
  }
  return given == expected;
}

}  // namespace mi::test
