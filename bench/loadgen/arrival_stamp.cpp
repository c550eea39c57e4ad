#include "arrival_stamp.hpp"

#include <sys/socket.h>
#include <sys/uio.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

#include "net.hpp"

namespace mi::bench {

void enable_arrival_stamps(int fd) {
  int one = 1;
  check_errno(::setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof one) == 0, "setsockopt SO_TIMESTAMPNS");
}

std::int64_t realtime_to_monotonic(std::int64_t realtime_ns, std::int64_t now_realtime_ns,
                                   std::int64_t now_monotonic_ns) {
  return now_monotonic_ns - (now_realtime_ns - realtime_ns);
}

StampedRead read_stamped(int fd, void* data, std::size_t size) {
  iovec iov{data, size};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(timespec))];
  msghdr message{};
  message.msg_iov = &iov;
  message.msg_iovlen = 1;
  message.msg_control = control;
  message.msg_controllen = sizeof control;
  auto got = ::recvmsg(fd, &message, MSG_DONTWAIT);
  StampedRead read;
  if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
    read.would_block = true;
    return read;
  }
  check_errno(got >= 0, "recvmsg");
  if (got == 0) throw std::runtime_error("closed by the server");
  read.bytes = static_cast<std::size_t>(got);
  auto now_realtime = clock_ns(CLOCK_REALTIME);
  auto& times = read.times;
  times.read_ns = mono_ns();
  times.arrival_ns = times.read_ns;
  for (auto* c = CMSG_FIRSTHDR(&message); c != nullptr; c = CMSG_NXTHDR(&message, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_TIMESTAMPNS) continue;
    timespec stamp{};
    std::memcpy(&stamp, CMSG_DATA(c), sizeof stamp);
    auto stamp_ns = static_cast<std::int64_t>(stamp.tv_sec) * 1'000'000'000 + stamp.tv_nsec;
    if (stamp_ns != 0) {
      times.arrival_ns = std::min(times.read_ns, realtime_to_monotonic(stamp_ns, now_realtime, times.read_ns));
      read.kernel_stamp = true;
    }
  }
  return read;
}

}  // namespace mi::bench
