#pragma once
// The HTTP API of the contract's section 2, plus the /r/CODE page and health endpoints.

#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "hub/fanout/shard.hpp"

namespace mi::hub {

using HttpRequest = boost::beast::http::request<boost::beast::http::string_body>;
using HttpResponse = boost::beast::http::response<boost::beast::http::string_body>;

// Serves one request on the shard's thread; never throws for bad input.
boost::asio::awaitable<HttpResponse> handle_http_request(Shard& shard, const HttpRequest& request,
                                                         const std::string& remote_address);

// A JSON error response in the contract's shape.
HttpResponse json_error_response(unsigned version, bool keep_alive, unsigned status, std::string_view code,
                                 std::string_view message);

}  // namespace mi::hub
