#include "tests/support/http_client.hpp"

#include <algorithm>
#include <optional>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace mi::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

TestHttpRequest build_request(unsigned short port, const std::string& method, const std::string& target,
                              const std::string& body, const std::map<std::string, std::string>& headers) {
  TestHttpRequest request{http::string_to_verb(method), target, 11};
  request.set(http::field::host, "127.0.0.1:" + std::to_string(port));
  for (const auto& [name, value] : headers) request.set(name, value);
  request.body() = body;
  if (!body.empty() && request[http::field::content_type].empty()) request.set(http::field::content_type, "application/json");
  request.prepare_payload();
  return request;
}

HttpReply to_reply(const TestHttpResponse& response) {
  HttpReply reply;
  reply.status = response.result_int();
  reply.body = response.body();
  for (const auto& field : response) {
    std::string name(field.name_string());
    std::transform(name.begin(), name.end(), name.begin(), ::tolower);
    reply.headers[name] = std::string(field.value());
  }
  return reply;
}

HttpReply http_request(unsigned short port, const std::string& method, const std::string& target,
                       const std::string& body, const std::map<std::string, std::string>& headers,
                       std::chrono::milliseconds timeout) {
  HttpReply reply;
  asio::io_context io;
  beast::tcp_stream stream(io);
  stream.expires_after(timeout);
  auto request = build_request(port, method, target, body, headers);
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(64 * 1024 * 1024);
  if (request.method() == http::verb::head) parser.skip(true);
  bool done = false;
  stream.async_connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port),
                       [&](beast::error_code ec) {
                         if (ec) {
                           reply.error = "connect: " + ec.message();
                           done = true;
                           return;
                         }
                         http::async_write(stream, request, [&](beast::error_code write_error, std::size_t) {
                           if (write_error) {
                             reply.error = "write: " + write_error.message();
                             done = true;
                             return;
                           }
                           http::async_read(stream, buffer, parser, [&](beast::error_code read_error, std::size_t) {
                             done = true;
                             if (read_error) {
                               reply.error = "read: " + read_error.message();
                               return;
                             }
                             reply = to_reply(parser.release());
                           });
                         });
                       });
  io.run();
  if (!done) reply.error = "no reply";
  return reply;
}

std::string raw_exchange(unsigned short port, const std::string& bytes, std::chrono::milliseconds timeout) {
  return raw_conversation(port, bytes, "", timeout).received;
}

RawReply raw_conversation(unsigned short port, const std::string& bytes, const std::string& source_address,
                          std::chrono::milliseconds timeout) {
  asio::io_context io;
  beast::tcp_stream stream(io);
  RawReply reply;
  std::array<char, 4096> chunk{};
  std::function<void()> read_more = [&] {
    stream.async_read_some(asio::buffer(chunk), [&](beast::error_code ec, std::size_t n) {
      reply.received.append(chunk.data(), n);
      if (!ec) {
        read_more();
        return;
      }
      reply.closed = ec != beast::error::timeout;
    });
  };
  if (!source_address.empty()) {
    stream.socket().open(asio::ip::tcp::v4());
    stream.socket().bind(asio::ip::tcp::endpoint(asio::ip::make_address(source_address), 0));
  }
  stream.expires_after(timeout);
  stream.async_connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), [&](beast::error_code ec) {
    if (ec) return;
    asio::async_write(stream, asio::buffer(bytes), [&](beast::error_code write_error, std::size_t) {
      if (!write_error) {
        read_more();
      } else {
        reply.closed = true;
      }
    });
  });
  io.run();
  return reply;
}

}  // namespace mi::test
