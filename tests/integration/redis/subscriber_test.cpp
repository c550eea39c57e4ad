// Subscriber against a real redis-server: delivery, unsubscribe, re-subscription after a restart.

#include <catch2/catch.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "hub/redis/connection.hpp"
#include "tests/support/io_runner.hpp"
#include "tests/support/test_redis.hpp"

namespace asio = boost::asio;
namespace redis = mi::redis;
using namespace std::chrono_literals;

namespace {

constexpr auto test_timeout = 5000ms;

struct Message {
  std::string channel;
  std::string payload;
};

struct SubscriberFixture {
  SubscriberFixture() {
    redis::ConnectionOptions options;
    options.connect_timeout = 1000ms;
    options.command_timeout = 2000ms;
    options.reconnect_backoff_min = 20ms;
    options.reconnect_backoff_max = 200ms;
    subscriber = std::make_shared<redis::Subscriber>(
        io.get_executor(), server.endpoint(), options,
        [this](std::string_view channel, std::string_view payload) {
          messages.push_back({std::string(channel), std::string(payload)});
        });
    subscriber->set_on_resubscribed([this] { ++resubscribed; });
  }

  // Number of subscribers Redis counts on `channel`.
  long long subscribers_of(const std::string& channel) {
    const auto reply = server.command({"PUBSUB", "NUMSUB", channel});
    return reply.elements.at(1).integer;
  }

  bool wait_for_subscribers(const std::string& channel, long long count) {
    return mi::test::run_until(io, [&] { return subscribers_of(channel) == count; }, test_timeout);
  }

  mi::test::TestRedis server;
  asio::io_context io;
  std::shared_ptr<redis::Subscriber> subscriber;
  std::vector<Message> messages;
  int resubscribed = 0;
};

}  // namespace

TEST_CASE("a subscriber receives what is published, until it unsubscribes", "[redis][subscriber]") {
  SubscriberFixture f;
  f.subscriber->subscribe("colony-a");
  f.subscriber->subscribe("colony-b");
  f.subscriber->subscribe("colony-a");  // no-op
  f.subscriber->start();
  REQUIRE(mi::test::run_until(f.io, [&] { return f.resubscribed == 1; }, test_timeout));
  CHECK(f.subscriber->is_connected());
  CHECK(f.subscribers_of("colony-a") == 1);
  CHECK(f.subscribers_of("colony-b") == 1);

  CHECK(f.server.command({"PUBLISH", "colony-a", "hello"}).integer == 1);
  const std::string binary("\0{\"seq\":1}\r\n", 12);
  CHECK(f.server.command({"PUBLISH", "colony-b", binary}).integer == 1);
  REQUIRE(mi::test::run_until(f.io, [&] { return f.messages.size() == 2; }, test_timeout));
  CHECK(f.messages[0].channel == "colony-a");
  CHECK(f.messages[0].payload == "hello");
  CHECK(f.messages[1].channel == "colony-b");
  CHECK(f.messages[1].payload == binary);

  // Subscribing while connected.
  f.subscriber->subscribe("colony-c");
  REQUIRE(f.wait_for_subscribers("colony-c", 1));
  f.server.command({"PUBLISH", "colony-c", "third"});
  REQUIRE(mi::test::run_until(f.io, [&] { return f.messages.size() == 3; }, test_timeout));
  CHECK(f.messages[2].channel == "colony-c");

  // Nothing arrives for an unsubscribed channel, even what Redis sent before it processed the
  // UNSUBSCRIBE. Publishing to a channel still subscribed afterwards shows that delivery goes on
  // (one publisher, one subscriber connection: order is kept).
  f.subscriber->unsubscribe("colony-a");
  f.subscriber->unsubscribe("colony-a");  // no-op
  f.server.command({"PUBLISH", "colony-a", "too late"});
  f.server.command({"PUBLISH", "colony-b", "marker"});
  REQUIRE(mi::test::run_until(f.io, [&] { return f.messages.size() == 4; }, test_timeout));
  CHECK(f.messages[3].payload == "marker");
  REQUIRE(f.wait_for_subscribers("colony-a", 0));
  CHECK(f.server.command({"PUBLISH", "colony-a", "gone"}).integer == 0);
  // A later message on a channel still subscribed is the barrier: nothing came before it.
  f.server.command({"PUBLISH", "colony-b", "second marker"});
  REQUIRE(mi::test::run_until(f.io, [&] { return f.messages.size() >= 5; }, test_timeout));
  CHECK(f.messages.size() == 5);
  CHECK(f.messages[4].payload == "second marker");
  CHECK(f.resubscribed == 1);

  f.subscriber->stop();
  CHECK_FALSE(f.subscriber->is_connected());
  REQUIRE(f.wait_for_subscribers("colony-b", 0));
}

TEST_CASE("a subscriber subscribes again after Redis restarts", "[redis][subscriber]") {
  SubscriberFixture f;
  f.subscriber->start();
  REQUIRE(mi::test::run_until(f.io, [&] { return f.resubscribed == 1; }, test_timeout));  // no channels yet
  f.subscriber->subscribe("colony-x");
  f.subscriber->subscribe("colony-y");
  REQUIRE(f.wait_for_subscribers("colony-y", 1));

  f.server.process.kill();
  REQUIRE(mi::test::run_until(f.io, [&] { return !f.subscriber->is_connected(); }, test_timeout));
  f.subscriber->subscribe("colony-z");  // while disconnected: remembered
  f.subscriber->unsubscribe("colony-y");
  mi::test::run_for(f.io, 200ms);
  f.server.process.restart();

  REQUIRE(mi::test::run_until(f.io, [&] { return f.resubscribed == 2; }, test_timeout));
  // on_resubscribed comes after Redis confirmed every subscription.
  CHECK(f.subscribers_of("colony-x") == 1);
  CHECK(f.subscribers_of("colony-z") == 1);
  CHECK(f.subscribers_of("colony-y") == 0);

  CHECK(f.server.command({"PUBLISH", "colony-x", "back"}).integer == 1);
  CHECK(f.server.command({"PUBLISH", "colony-z", "new"}).integer == 1);
  REQUIRE(mi::test::run_until(f.io, [&] { return f.messages.size() == 2; }, test_timeout));
  CHECK(f.messages[0].payload == "back");
  CHECK(f.messages[1].channel == "colony-z");
}

TEST_CASE("many channels are subscribed again in batches", "[redis][subscriber]") {
  SubscriberFixture f;
  for (int i = 0; i < 600; ++i) f.subscriber->subscribe("channel-" + std::to_string(i));
  f.subscriber->start();
  REQUIRE(mi::test::run_until(f.io, [&] { return f.resubscribed == 1; }, test_timeout));
  CHECK(f.server.command({"PUBSUB", "NUMSUB", "channel-0", "channel-599"}).elements.at(3).integer == 1);
  CHECK(f.server.command({"PUBLISH", "channel-599", "last"}).integer == 1);
  REQUIRE(mi::test::run_until(f.io, [&] { return f.messages.size() == 1; }, test_timeout));
  CHECK(f.messages[0].channel == "channel-599");
}

TEST_CASE("the messages of one read are handed over in order, then their end", "[redis][subscriber]") {
  SubscriberFixture f;
  std::vector<std::string> calls;  // "m:<payload>" for each message, "end" for each end
  f.subscriber = std::make_shared<redis::Subscriber>(
      f.io.get_executor(), f.server.endpoint(), redis::ConnectionOptions{},
      [&](std::string_view, std::string_view payload) { calls.push_back("m:" + std::string(payload)); });
  f.subscriber->set_on_resubscribed([&] { ++f.resubscribed; });
  f.subscriber->set_on_messages_end([&] { calls.emplace_back("end"); });
  f.subscriber->subscribe("burst");
  f.subscriber->start();
  REQUIRE(mi::test::run_until(f.io, [&] { return f.resubscribed == 1; }, test_timeout));

  // One script publishes them all: Redis writes them out together, a burst for the receiver.
  f.server.command({"EVAL", "for i = 1, 50 do redis.call('PUBLISH', KEYS[1], i) end return 1", "1", "burst"});
  REQUIRE(mi::test::run_until(f.io, [&] { return !calls.empty() && calls.back() == "end" &&
                                                  calls.size() > 50; }, test_timeout));
  std::vector<std::string> messages;
  std::size_t ends = 0;
  for (std::size_t i = 0; i < calls.size(); ++i) {
    if (calls[i] == "end") {
      ++ends;
      CHECK(i > 0);
      if (i > 0) CHECK(calls[i - 1] != "end");  // an end follows at least one message
    } else {
      messages.push_back(calls[i]);
    }
  }
  REQUIRE(messages.size() == 50);
  for (std::size_t i = 0; i < messages.size(); ++i) CHECK(messages[i] == "m:" + std::to_string(i + 1));
  CHECK(ends >= 1);
  CHECK(ends < 50);  // 50 small messages take far fewer reads than one each
}
