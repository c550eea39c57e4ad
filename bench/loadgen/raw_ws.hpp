#pragma once
// The client side of WebSocket spoken by hand, for the clients whose own cost would otherwise be
// measured: on a machine whose cores the server under test shares with its clients, a client's
// CPU is time the server waits for. A connection is a plain socket and a byte buffer; the
// upgrade's answer is checked for its status only, and client frames carry a zero mask key.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "arrival_stamp.hpp"
#include "net.hpp"

namespace mi::bench::raw_ws {

// One client text (or other) frame; the zero mask key leaves the payload as written.
std::string masked_frame(std::string_view payload, unsigned opcode = 0x1);
inline std::string masked_text_frame(std::string_view payload) { return masked_frame(payload, 0x1); }
// A close frame with code 1000.
std::string masked_close_frame();

// Where a server frame's payload starts and how long it is.
struct FrameStart {
  std::size_t header = 0;  // 0: not all of the header is there yet
  std::uint64_t length = 0;
};
FrameStart frame_start(const unsigned char* data, std::size_t size);

// One whole frame at the front of `data`, or none while it is incomplete.
struct WholeFrame {
  unsigned opcode = 0;
  std::string_view payload;
  std::size_t bytes = 0;  // header and payload, to consume
};
std::optional<WholeFrame> whole_frame(const unsigned char* data, std::size_t size);

// The client's upgrade request for /v1/ws on `host` ("HOST:PORT"), with a fixed key.
std::string upgrade_request(std::string_view host);
// The length of the server's answer to the upgrade (up to its blank line) at the front of
// `bytes`, or none while incomplete. Throws "upgrade refused: STATUS LINE" unless it is 101.
std::optional<std::size_t> upgrade_answer_length(std::string_view bytes);

// A socket and the bytes read from it that are not consumed yet.
struct Connection {
  explicit Connection(asio::io_context& io, std::size_t buffer_bytes = 64 * 1024)
      : socket(io), buffer(buffer_bytes) {}
  tcp::socket socket;
  std::vector<unsigned char> buffer;
  std::size_t have = 0;

  // Reads more bytes after the ones held; throws on EOF or a full buffer.
  asio::awaitable<void> read_more();
  // The same, returning when they reached the socket and when they were read; the first is the
  // kernel's stamp once enable_arrival_stamps is on.
  asio::awaitable<ArrivalTimes> read_more_stamped();
  // Drops the first `count` bytes held.
  void consume(std::size_t count);
};

// TCP connect from `source` (unspecified: any), then the upgrade on /v1/ws; throws unless the
// answer is 101. Bytes after the answer stay in the buffer.
asio::awaitable<void> open(Connection& c, const Target& target, const asio::ip::address& source);

// Sends `watch` for `colony` with `token` and skips the snapshot that answers it (below); throws
// with the answer when it is an error.
asio::awaitable<void> watch(Connection& c, std::string_view colony, std::string_view token);

// What reading a snapshot took: its messages, bytes and agents, and when they came.
struct SnapshotRead {
  std::uint64_t parts = 0;      // messages read: the `snapshot` and its `snapshot_part`s
  std::uint64_t announced = 1;  // `parts` of the first message (1 when it has none)
  std::uint64_t bytes = 0;      // on the wire: frame headers and payloads of those messages
  std::uint64_t agents = 0;     // agent objects in them
  std::int64_t first_ns = 0;    // CLOCK_MONOTONIC when the first message's header was read
  std::int64_t last_ns = 0;     // when the last message's last byte was read
};

// After `watch`: reads the snapshot, which must be the first message, and every part that
// follows it (`"parts":K` on the first: K - 1 `snapshot_part` messages; none without it), each
// consumed as it streams through the buffer (a colony of thousands of agents makes a part
// larger than the buffer). Throws with the message when the first one is anything else, such
// as an error, or a part is missing.
asio::awaitable<SnapshotRead> read_snapshot(Connection& c);
// The same, for clients that only need the events after it.
asio::awaitable<void> skip_snapshot(Connection& c);

// The `parts` of a snapshot message from its head (the payload's first bytes) and its tail (its
// last bytes): outside the agents list, before it or after it; 1 when it has none.
std::uint64_t snapshot_parts(std::string_view head, std::string_view tail);

// Reads until one whole data message (a single frame, as servers send) is held and returns its
// payload; control frames before it are skipped. The caller consumes it with `consume`.
struct Message {
  std::string_view payload;
  std::size_t frame_bytes = 0;
};
asio::awaitable<Message> read_message(Connection& c);

}  // namespace mi::bench::raw_ws
