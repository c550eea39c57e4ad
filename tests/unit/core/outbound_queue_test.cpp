#include <catch2/catch.hpp>

#include <vector>

#include "hub/core/outbound_queue.hpp"

using mi::hub::OutboundQueue;
using mi::hub::SharedMessage;

namespace {
SharedMessage message(std::size_t size, char fill) { return std::make_shared<const std::string>(size, fill); }

std::vector<std::string_view> take(OutboundQueue& queue, std::size_t count) {
  std::vector<std::string_view> out;
  queue.take_for_write(count, out, [](std::string_view bytes) { return bytes; });
  return out;
}
}  // namespace

TEST_CASE("the queue is bounded in bytes, but a lone large message still goes", "[outbound-queue]") {
  OutboundQueue queue(100);
  CHECK(queue.push(message(60, 'a')));
  CHECK_FALSE(queue.push(message(60, 'b')));
  CHECK(queue.size() == 1);
  CHECK(queue.bytes() == 60);
  OutboundQueue big(10);
  CHECK(big.push(message(500, 'c')));
}

TEST_CASE("partial writes resume where they stopped, whole messages are counted", "[outbound-queue]") {
  OutboundQueue queue(1000);
  queue.push(message(10, 'a'), 4);  // 4 bytes went out before it was queued
  queue.push(message(5, 'b'));
  auto first = take(queue, 16);
  REQUIRE(first.size() == 2);
  CHECK(first[0] == std::string(6, 'a'));
  CHECK(first[1] == std::string(5, 'b'));
  CHECK(queue.consume(8) == 1);  // the rest of a, and 2 bytes of b
  auto second = take(queue, 16);
  REQUIRE(second.size() == 1);
  CHECK(second[0] == std::string(3, 'b'));
  CHECK(queue.consume(3) == 1);
  CHECK(queue.empty());
  CHECK(queue.bytes() == 0);
}

TEST_CASE("dropping the backlog keeps a frame partly sent or in flight", "[outbound-queue]") {
  OutboundQueue queue(1000);
  for (char c : {'a', 'b', 'c', 'd'}) queue.push(message(10, c));
  take(queue, 2);  // a and b are being written
  queue.drop_unstarted();
  CHECK(queue.size() == 2);
  CHECK(queue.consume(20) == 2);
  CHECK(queue.empty());

  OutboundQueue partial(1000);
  partial.push(message(10, 'a'), 3);
  partial.push(message(10, 'b'));
  partial.drop_unstarted();
  REQUIRE(partial.size() == 1);
  CHECK(take(partial, 16)[0] == std::string(7, 'a'));

  OutboundQueue untouched(1000);
  untouched.push(message(10, 'a'));
  untouched.drop_unstarted();
  CHECK(untouched.empty());
}

TEST_CASE("a queue that is never empty keeps its count and bytes right over many drains", "[outbound-queue]") {
  OutboundQueue queue(1 << 20);
  for (int round = 0; round < 1000; ++round) {
    queue.push(message(10, 'x'));
    queue.push(message(10, 'y'));
    take(queue, 1);
    queue.consume(10);
  }
  CHECK(queue.size() == 1000);
  CHECK(queue.bytes() == 10000);
}
