#pragma once
// A webhook endpoint for tests: an HTTP server (HTTPS with a certificate given) on 127.0.0.1
// (port chosen by the system) on its own thread, recording every request it gets. It can answer 500 to the next
// N requests, or go "down" (close each connection without an answer) and come back.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/test_certificates.hpp"

namespace boost::asio::ssl {
class context;
}

namespace mi::test {

struct ReceivedWebhook {
  std::string body;
  std::string signature;    // X-Mi-Signature
  std::string delivery_id;  // X-Mi-Delivery
  std::string content_type;
  std::int64_t received_unix_ms = 0;
  int answered = 0;  // the status sent back; 0 when the connection was closed without one
};

class WebhookReceiver {
 public:
  // With `tls`, HTTPS with that pair (url() then names the host "localhost").
  explicit WebhookReceiver(std::optional<CertificatePair> tls = std::nullopt);
  ~WebhookReceiver();
  WebhookReceiver(const WebhookReceiver&) = delete;
  WebhookReceiver& operator=(const WebhookReceiver&) = delete;

  unsigned short port() const { return port_; }
  std::string url() const {
    return (tls_ ? "https://localhost:" : "http://127.0.0.1:") + std::to_string(port_) + "/hooks";
  }

  // The next `count` requests are answered 500.
  void fail_next(int count) { fail_next_.store(count); }
  // While down, each request is read and its connection closed with no answer.
  void set_down(bool down) { down_.store(down); }

  std::vector<ReceivedWebhook> received() const;
  // Waits until `done(received())` holds; false on timeout.
  bool wait_until(const std::function<bool(const std::vector<ReceivedWebhook>&)>& done,
                  std::chrono::milliseconds timeout) const;

 private:
  void serve();
  template <class Stream>
  void handle(Stream& stream);

  int listener_ = -1;
  unsigned short port_ = 0;
  std::atomic<int> fail_next_{0};
  std::atomic<bool> down_{false};
  std::atomic<bool> stopping_{false};
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  std::vector<ReceivedWebhook> received_;
  std::unique_ptr<boost::asio::ssl::context> tls_;
  std::thread thread_;
};

// Whether `signature` ("t=<s>,v1=<hex>") is HMAC-SHA256(secret, "<t>.<body>"), as an endpoint
// checks it.
bool webhook_signature_valid(const std::string& secret, const std::string& signature, const std::string& body);

}  // namespace mi::test
