// Fuzzes the HTTP requests the hub reads before any of its own code runs: Boost.Beast's
// request_parser<string_body>, set up and driven as hub/http_connection.cpp does (a new parser
// per request with the hub's default header and body limits, one flat_buffer for the connection,
// requests read one after another while the connection is kept alive), then what the hub asks of
// each request that parsed (on_request).
//
// Input: the bytes the client sends, cut into reads by fuzz::for_each_read. The end of the input
// is the end of the stream.

#include <cstring>
#include <string_view>
#include <vector>

#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <boost/system/system_error.hpp>

#include "hub/core/config.hpp"
#include "protocol/http_requests.hpp"
#include "protocol/websocket_handshake.hpp"
#include "tests/fuzz/fuzz_support.hpp"

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using Request = http::request<http::string_body>;

const mi::hub::Config kConfig{};  // the hub's defaults

// A socket that delivers the input's reads one by one (a read fills at most what the reader
// asks for; the rest of it comes next), then the end of the stream.
class ReadStream {
 public:
  explicit ReadStream(std::vector<std::string_view> reads) : reads_(std::move(reads)) {}

  template <class MutableBufferSequence>
  std::size_t read_some(const MutableBufferSequence& buffers, boost::system::error_code& ec) {
    ec = {};
    while (next_ < reads_.size() && reads_[next_].empty()) ++next_;
    if (next_ == reads_.size()) {
      ec = asio::error::eof;
      return 0;
    }
    auto& read = reads_[next_];
    std::size_t copied = asio::buffer_copy(buffers, asio::buffer(read.data(), read.size()));
    read.remove_prefix(copied);
    return copied;
  }

  template <class MutableBufferSequence>
  std::size_t read_some(const MutableBufferSequence& buffers) {
    boost::system::error_code ec;
    std::size_t size = read_some(buffers, ec);
    if (ec) throw boost::system::system_error(ec);
    return size;
  }

 private:
  std::vector<std::string_view> reads_;
  std::size_t next_ = 0;
};

// What the hub does with a request that parsed, short of answering it; false where it reads no
// further request on the connection.
bool on_request(const Request& request) {
  MI_FUZZ_CHECK(request.body().size() <= kConfig.max_http_body_bytes);
  MI_FUZZ_CHECK(request.version() == 10 || request.version() == 11);

  std::string_view target(request.target().data(), request.target().size());
  bool is_ws_path = target == "/v1/ws" || target.starts_with("/v1/ws?");
  if (is_ws_path && beast::websocket::is_upgrade(request)) {
    // The hub's own upgrade checks (hub/http/http_connection.cpp), then the 101 it would send.
    auto header = [&](http::field field) {
      auto value = request[field];
      return std::string_view(value.data(), value.size());
    };
    namespace websocket = mi::protocol::websocket;
    auto key = header(http::field::sec_websocket_key);
    if (websocket::check_upgrade(header(http::field::sec_websocket_version), key) ==
        websocket::UpgradeCheck::accept) {
      MI_FUZZ_CHECK(websocket::is_valid_client_key(key));
      auto response = websocket::upgrade_response(key);
      MI_FUZZ_CHECK(response.ends_with("\r\n\r\n"));
      MI_FUZZ_CHECK(response.find("Sec-WebSocket-Accept: " + websocket::accept_key(key) + "\r\n") !=
                    std::string::npos);
    }
    // From here the connection carries WebSocket frames (fuzz_frame_reader).
    return false;
  }
  if (request.method() == http::verb::post) {
    // The API's bodies go to protocol/http_requests.hpp (fuzzed on their own by fuzz_client_message).
    mi::protocol::parse_create_invite_request(request.body());
    mi::protocol::parse_onboard_invite_request(request.body());
    mi::protocol::parse_sign_in_request(request.body());
  }
  // The hub's response keeps the connection alive exactly when the request asks it to.
  return request.keep_alive();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::vector<std::string_view> reads;
  mi::fuzz::for_each_read(data, size, [&](std::string_view read) { reads.push_back(read); });
  ReadStream stream(std::move(reads));

  beast::flat_buffer buffer;
  std::size_t total_read = 0;
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(kConfig.max_http_body_bytes);
    parser.header_limit(static_cast<std::uint32_t>(kConfig.max_http_header_bytes));
    boost::system::error_code ec;
    std::size_t used = http::read(stream, buffer, parser, ec);
    total_read += used;
    MI_FUZZ_CHECK(total_read <= size);
    // Any error ends the connection (after a 400, 413 or 431 when it was not the stream's end).
    if (ec) break;
    MI_FUZZ_CHECK(parser.is_done());
    if (!on_request(parser.release())) break;
  }
  return 0;
}
