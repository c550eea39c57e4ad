#pragma once
// A blocking HTTP/1.1 client for tests: one connection per request, with a deadline.

#include <chrono>
#include <map>
#include <string>

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

namespace mi::test {

struct HttpReply {
  int status = 0;  // 0 when there was no reply (connection refused, timeout)
  std::string body;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string error;                           // why status is 0
};

using TestHttpRequest = boost::beast::http::request<boost::beast::http::string_body>;
using TestHttpResponse = boost::beast::http::response<boost::beast::http::string_body>;

// The request every test client sends: Host 127.0.0.1:port, the headers given, a JSON body.
TestHttpRequest build_request(unsigned short port, const std::string& method, const std::string& target,
                              const std::string& body, const std::map<std::string, std::string>& headers);
// A response as tests read it (header names in lower case).
HttpReply to_reply(const TestHttpResponse& response);

HttpReply http_request(unsigned short port, const std::string& method, const std::string& target,
                       const std::string& body = "", const std::map<std::string, std::string>& headers = {},
                       std::chrono::milliseconds timeout = std::chrono::seconds(10));

// Sends raw bytes and returns whatever comes back until the server closes or the deadline.
std::string raw_exchange(unsigned short port, const std::string& bytes,
                         std::chrono::milliseconds timeout = std::chrono::seconds(5));

struct RawReply {
  std::string received;
  bool closed = false;  // the server ended the connection before the deadline
};

// raw_exchange from a chosen source address ("127.0.0.2"; empty: the system's choice), saying
// whether the server closed.
RawReply raw_conversation(unsigned short port, const std::string& bytes, const std::string& source_address = "",
                          std::chrono::milliseconds timeout = std::chrono::seconds(5));

}  // namespace mi::test
