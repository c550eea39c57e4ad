#pragma once
// When bytes reached a socket, as the kernel saw it: a watcher that times events by the time it
// read them also times its own wait for a core, which on a machine shared with the servers under
// test is often milliseconds. The kernel stamps every segment as it arrives (SO_TIMESTAMPNS), and
// a read reports the stamp of the last segment it took.
#include <cstddef>
#include <cstdint>

namespace mi::bench {

// Asks the kernel to stamp what arrives on the socket `fd`; throws on failure.
void enable_arrival_stamps(int fd);

// When the bytes of one read reached the socket and when they were read, CLOCK_MONOTONIC ns.
struct ArrivalTimes {
  // The kernel's stamp of the last segment read, or the read's own time when the kernel gave
  // none. Bytes of earlier segments in the same read arrived before it: their delays come out
  // late, never early.
  std::int64_t arrival_ns = 0;
  std::int64_t read_ns = 0;  // just after the read
};

struct StampedRead {
  bool would_block = false;  // nothing to read yet
  std::size_t bytes = 0;
  ArrivalTimes times;
  // The kernel stamped what was read. It starts stamping a little after the first socket of the
  // machine asks (the switch is flipped by a kernel worker), so the first reads may have none.
  bool kernel_stamp = false;
};

// One recvmsg(2) without blocking; throws on end of stream or an error.
StampedRead read_stamped(int fd, void* data, std::size_t size);

// The kernel's stamps are on the real-time clock: `realtime_ns` as CLOCK_MONOTONIC, given the two
// clocks read together as `now_realtime_ns` and `now_monotonic_ns`.
std::int64_t realtime_to_monotonic(std::int64_t realtime_ns, std::int64_t now_realtime_ns,
                                   std::int64_t now_monotonic_ns);

}  // namespace mi::bench
