#pragma once
// The hub could not be reached or stopped answering: no reply at all, as opposed to a refusal.
// Long-running commands retry on it; one-shot commands turn it into a sentence for the user.

#include <stdexcept>
#include <string>

namespace mi::cli {

class NetworkError : public std::runtime_error {
 public:
  // `hub` is the URL tried, `detail` what went wrong in a few words ("connection refused").
  NetworkError(std::string hub, std::string detail)
      : std::runtime_error(hub + ": " + detail), hub_(std::move(hub)), detail_(std::move(detail)) {}

  const std::string& hub() const { return hub_; }
  const std::string& detail() const { return detail_; }

 private:
  std::string hub_;
  std::string detail_;
};

// The hub answered but could not prove who it is: its TLS certificate failed verification, and
// nothing was sent to it. Retrying reaches the same certificate, so commands stop on it, except
// the loops that have already been connected (the certificate may be mid-renewal).
class UntrustedHub : public NetworkError {
 public:
  // `host` as in the URL; `reason` OpenSSL's words and the details; `advice` what to do.
  UntrustedHub(std::string hub, std::string host, std::string reason, std::string advice)
      : NetworkError(std::move(hub), "its certificate failed verification for " + host + ": " + reason),
        host_(std::move(host)),
        reason_(std::move(reason)),
        advice_(std::move(advice)) {}

  const std::string& host() const { return host_; }
  const std::string& reason() const { return reason_; }
  const std::string& advice() const { return advice_; }

 private:
  std::string host_;
  std::string reason_;
  std::string advice_;
};

}  // namespace mi::cli
