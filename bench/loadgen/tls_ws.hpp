#pragma once
// The agents' WebSocket over TLS (wss://), spoken by hand as raw_ws.hpp speaks it over TCP: the
// upgrade on /v1/ws, client frames with a zero mask key, server frames read whole. What a
// connection holds between reads is the bytes of a frame not yet complete, usually none: reads go
// through one buffer shared by the thread's connections.
#include <cstddef>
#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>

#include "net.hpp"
#include "tls_client.hpp"

namespace mi::bench {

class TlsWs {
 public:
  TlsWs(asio::io_context& io, const tls::ClientContext& context, tls::SessionSlot* slot)
      : stream(io, context, slot) {}

  // TCP, the TLS handshake, then the upgrade; throws unless the answer is 101.
  asio::awaitable<void> open(const Target& target, const asio::ip::address& source);
  // One masked text frame.
  asio::awaitable<void> send_text(std::string_view text);
  // The next data message's payload (valid until the next read); control frames other than close
  // are skipped; a close frame or the connection's end throws.
  asio::awaitable<std::string_view> read_text();

  tls::Stream stream;

 private:
  asio::awaitable<void> read_more();

  std::string in_;            // bytes read and not consumed
  std::size_t consume_ = 0;   // the frame last returned, dropped at the next read
};

}  // namespace mi::bench
