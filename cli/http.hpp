#pragma once
// One HTTP/1.1 request to the hub on a fresh connection (TLS for https://), with a deadline over
// the whole exchange.

#include <chrono>
#include <string>

#include <boost/asio/awaitable.hpp>

#include "cli/hub_endpoint.hpp"

namespace mi::cli {

struct HttpRequest {
  std::string method;        // "GET" or "POST"
  std::string path;          // below the hub's base path, e.g. "/v1/invites/JCVCFB"
  std::string body;          // sent as application/json when not empty
  std::string bearer_token;  // the Authorization header, when not empty
};

struct HttpResponse {
  unsigned status = 0;
  std::string body;
};

inline constexpr std::chrono::seconds kHttpTimeout{10};

// Throws NetworkError when there is no complete reply within `timeout`, UntrustedHub (before
// anything is sent) when an https:// hub's certificate fails verification.
boost::asio::awaitable<HttpResponse> send_http_request(const HubEndpoint& hub, HttpRequest request,
                                                       std::chrono::steady_clock::duration timeout = kHttpTimeout);

// Whether an mi-hub answers at the hub's address: its /healthz, below the base path, says
// {"status":"ok"}. Asked after a 404, to tell a path that the hub does not have from an address
// (a wrong base path in --hub) where there is no hub at all.
boost::asio::awaitable<bool> hub_answers_at(const HubEndpoint& hub);

}  // namespace mi::cli
