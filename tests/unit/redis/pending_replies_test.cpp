// The records of commands in flight, the queue of them and the watchdog's decision, with replies
// built by hand: no hiredis context, no socket.
#include <catch2/catch.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "hub/redis/pending_replies.hpp"

namespace redis = mi::redis;
using redis::detail::Clock;
using redis::detail::Completion;
using redis::detail::DeadlineCheck;
using redis::detail::InFlight;
using redis::detail::PendingReply;
using redis::detail::PipelineBatch;
using redis::detail::PipelinePart;
using redis::detail::ResumeSlot;
using redis::detail::SingleReply;
using Verdict = DeadlineCheck::Verdict;
using namespace std::chrono_literals;

namespace {

// A record with only a deadline, as the queue sees every record.
struct DeadlineOnly final : redis::detail::PendingReply {
  explicit DeadlineOnly(redis::detail::Clock::time_point at) : PendingReply(at) {}
  redis::detail::Completion finish(const redisReply*, std::error_code) override { return {}; }
};

const Clock::time_point t0 = Clock::time_point{} + 1h;

redisReply integer_reply(long long value) {
  redisReply reply{};
  reply.type = REDIS_REPLY_INTEGER;
  reply.integer = value;
  return reply;
}

void run(Completion completion) {
  REQUIRE(completion);
  completion({});
}

}  // namespace

TEST_CASE("the watchdog expires the oldest deadline once now reaches it, else waits for it", "[watchdog]") {
  CHECK(redis::detail::check_oldest_deadline(std::nullopt, t0).verdict == Verdict::none);

  const auto ahead = redis::detail::check_oldest_deadline(t0 + 1ms, t0);
  CHECK(ahead.verdict == Verdict::rearm);
  CHECK(ahead.at == t0 + 1ms);

  CHECK(redis::detail::check_oldest_deadline(t0, t0).verdict == Verdict::expired);
  CHECK(redis::detail::check_oldest_deadline(t0 - 1s, t0).verdict == Verdict::expired);
}

TEST_CASE("the in-flight queue: the oldest first, its deadline the watchdog's", "[watchdog]") {
  DeadlineOnly first(t0 + 2s), second(t0 + 3s), third(t0 + 4s);
  InFlight in_flight;
  CHECK(in_flight.watchdog(t0).verdict == Verdict::none);
  CHECK(in_flight.oldest() == nullptr);

  in_flight.push(&first);
  in_flight.push(&second);
  in_flight.push(&third);
  CHECK(in_flight.size() == 3);
  CHECK(in_flight.oldest() == &first);

  // The timer was armed for the first; it fires late or early.
  const auto early = in_flight.watchdog(t0 + 1s);
  CHECK(early.verdict == Verdict::rearm);
  CHECK(early.at == t0 + 2s);
  CHECK(in_flight.watchdog(t0 + 2s).verdict == Verdict::expired);

  // Answered in order: the next is the one watched.
  in_flight.remove(&first);
  CHECK(in_flight.oldest() == &second);
  CHECK(in_flight.watchdog(t0 + 2s).at == t0 + 3s);

  // Out of order (hiredis does not do this, but the queue must not lose track).
  in_flight.remove(&third);
  CHECK(in_flight.size() == 1);
  CHECK(in_flight.oldest() == &second);
  in_flight.remove(&third);  // not there: nothing
  CHECK(in_flight.size() == 1);
  in_flight.remove(&second);
  CHECK(in_flight.empty());
}

TEST_CASE("a single command's record hands over the reply or the error", "[pending]") {
  std::optional<redis::Result> got;
  const auto slot = [&] { return ResumeSlot<redis::Result>([&](redis::Result r) { got = std::move(r); }); };

  SingleReply answered(t0, slot());
  const redisReply seven = integer_reply(7);
  Completion completion = answered.finish(&seven, {});
  CHECK_FALSE(got);  // nothing runs until the completion is handed over
  run(std::move(completion));
  REQUIRE(got);
  CHECK_FALSE(got->ec);
  CHECK(got->reply.integer == 7);

  got.reset();
  SingleReply lost(t0, slot());
  run(lost.finish(nullptr, redis::Errc::connection_lost));
  REQUIRE(got);
  CHECK(got->ec == redis::Errc::connection_lost);
}

TEST_CASE("a pipeline resumes its caller once: all replies in order, or the first failure", "[pending]") {
  int resumed = 0;
  redis::PipelineResult result;
  auto batch = std::make_shared<PipelineBatch>();
  batch->resume = ResumeSlot<redis::PipelineResult>([&](redis::PipelineResult r) {
    ++resumed;
    result = std::move(r);
  });
  batch->replies.resize(3);
  batch->remaining = 3;
  PipelinePart part0(t0, batch, 0), part1(t0, batch, 1), part2(t0, batch, 2);

  SECTION("every part answered") {
    const redisReply r0 = integer_reply(10), r1 = integer_reply(11), r2 = integer_reply(12);
    CHECK_FALSE(part1.finish(&r1, {}));  // replies come in any order here; only the last completes
    CHECK_FALSE(part0.finish(&r0, {}));
    run(part2.finish(&r2, {}));
    CHECK(resumed == 1);
    CHECK_FALSE(result.ec);
    REQUIRE(result.replies.size() == 3);
    CHECK(result.replies[0].integer == 10);
    CHECK(result.replies[1].integer == 11);
    CHECK(result.replies[2].integer == 12);
  }
  SECTION("one part without a reply fails the whole, once") {
    const redisReply r0 = integer_reply(10);
    CHECK_FALSE(part0.finish(&r0, {}));
    run(part1.finish(nullptr, redis::Errc::timed_out));
    CHECK_FALSE(part2.finish(nullptr, redis::Errc::connection_lost));  // the rest, lost with the link
    CHECK(resumed == 1);
    CHECK(result.ec == redis::Errc::timed_out);
    CHECK(result.replies.empty());
  }
}

