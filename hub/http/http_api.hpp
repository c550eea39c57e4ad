#pragma once
// The HTTP API of docs/protocol.md section 2, plus the /r/CODE page, the admin pages and the health
// endpoints.

#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "hub/fanout/shard.hpp"
#include "hub/core/api_error.hpp"
#include "hub/http/http_message.hpp"
#include "hub/http/route_table.hpp"

namespace mi::hub {

// Who sent a request, as the connection found it (docs/protocol.md section 5).
struct RequestSource {
  std::string_view client_address;  // the TCP peer, or the client a trusted proxy names
  bool secure = false;              // over the hub's own TLS, or HTTPS at a trusted proxy
};

// Serves one request on the shard's thread; never throws for bad input.
boost::asio::awaitable<HttpResponse> handle_http_request(Shard& shard, const HttpRequest& request,
                                                         const RequestSource& source);

// Every route of the hub but its pages (served at paths no route has) and the WebSocket upgrade
// (taken before routing, by the connection).
const std::vector<Route>& http_routes();

// A JSON response with the headers every answer of the hub carries.
HttpResponse json_response(const HttpRequest& request, unsigned status, std::string body);

// A JSON error response in the contract's shape.
HttpResponse json_error_response(unsigned version, bool keep_alive, unsigned status, std::string_view code,
                                 std::string_view message);
// The same, answering `request` (the API's errors: JSON whoever asks).
HttpResponse json_error_response(const HttpRequest& request, unsigned status, std::string_view code,
                                 std::string_view message);
HttpResponse json_error_response(const HttpRequest& request, const ApiError& error);

}  // namespace mi::hub
