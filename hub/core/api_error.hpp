#pragma once
// A failure to report to a client: the same code and sentence over HTTP and over the WebSocket.

#include <string>
#include <variant>

namespace mi::hub {

struct ApiError {
  unsigned http_status = 500;
  std::string code;     // snake_case, as in the contract
  std::string message;  // a sentence for a human
};

// A value or the reason there is none.
template <class T>
using Outcome = std::variant<T, ApiError>;

template <class T>
bool failed(const Outcome<T>& outcome) {
  return std::holds_alternative<ApiError>(outcome);
}

}  // namespace mi::hub
