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

}  // namespace mi::cli
