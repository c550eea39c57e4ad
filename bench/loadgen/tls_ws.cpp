#include "tls_ws.hpp"

#include <stdexcept>

#include "raw_ws.hpp"

namespace mi::bench {

namespace {

// Every read of the thread's connections lands here first; only a frame's unread rest is kept
// by its connection. 16 KiB is one TLS record.
thread_local unsigned char scratch[16 * 1024];

const unsigned char* bytes(const std::string& s) { return reinterpret_cast<const unsigned char*>(s.data()); }

}  // namespace

asio::awaitable<void> TlsWs::read_more() {
  auto got = co_await stream.read_some(scratch, sizeof scratch);
  in_.append(reinterpret_cast<const char*>(scratch), got);
}

asio::awaitable<void> TlsWs::open(const Target& target, const asio::ip::address& source) {
  in_.clear();
  consume_ = 0;
  co_await stream.connect(target, source);
  co_await stream.write(raw_ws::upgrade_request(target.host));
  std::optional<std::size_t> answer;
  while (!(answer = raw_ws::upgrade_answer_length(in_))) co_await read_more();
  in_.erase(0, *answer);
}

asio::awaitable<void> TlsWs::send_text(std::string_view text) {
  co_await stream.write(raw_ws::masked_text_frame(text));
}

asio::awaitable<std::string_view> TlsWs::read_text() {
  in_.erase(0, consume_);
  consume_ = 0;
  for (;;) {
    if (auto frame = raw_ws::whole_frame(bytes(in_), in_.size())) {
      if (frame->opcode == 0x8) throw std::runtime_error("closed by the server");
      if (frame->opcode < 0x8) {
        consume_ = frame->bytes;
        co_return frame->payload;
      }
      in_.erase(0, frame->bytes);  // ping or pong: the servers measured send none
      continue;
    }
    co_await read_more();
  }
}

}  // namespace mi::bench
