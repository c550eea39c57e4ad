#pragma once
// The HTTP messages the hub reads and answers: Beast's, with the whole body in a string.

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

namespace mi::hub {

using HttpRequest = boost::beast::http::request<boost::beast::http::string_body>;
using HttpResponse = boost::beast::http::response<boost::beast::http::string_body>;

// HTTP/1.1 as Beast numbers versions (10 * major + minor): what an answer says when the request
// it answers could not be read, so has no version of its own.
inline constexpr unsigned kHttp11 = 11;

}  // namespace mi::hub
