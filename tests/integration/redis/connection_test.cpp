// Connection against a real redis-server: replies, pipelines, scripts, deadlines, reconnection.

#include <catch2/catch.hpp>

#include <array>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>

#include "hub/redis/connection.hpp"
#include "tests/support/io_runner.hpp"
#include "tests/support/test_redis.hpp"

namespace asio = boost::asio;
namespace redis = mi::redis;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using Args = std::vector<std::string>;

namespace {

constexpr auto test_timeout = 5000ms;

const std::vector<redis::EmbeddedScript>& test_script_sources() {
  static const std::vector<redis::EmbeddedScript> sources = {
      {"prelude", "local function twice(x) return x*2 end"},
      {"double", "return twice(tonumber(ARGV[1]))"},
      {"broken", "return +"},  // does not compile
  };
  return sources;
}

const redis::ScriptSet& test_scripts() {
  static const redis::ScriptSet scripts(test_script_sources());
  return scripts;
}

redis::ConnectionOptions fast_options() {
  redis::ConnectionOptions options;
  options.connect_timeout = 1000ms;
  options.command_timeout = 2000ms;
  options.reconnect_backoff_min = 20ms;
  options.reconnect_backoff_max = 200ms;
  return options;
}

// Declared in this order so that the connection goes first, then the io_context, then Redis.
struct Fixture {
  explicit Fixture(redis::ConnectionOptions options = fast_options(), int db = 0) {
    redis::Endpoint endpoint = server.endpoint();
    endpoint.db = db;
    connection = std::make_shared<redis::Connection>(io.get_executor(), endpoint, options, test_scripts());
    connection->set_on_connected([this] { ++connected_calls; });
    connection->start();
    REQUIRE(mi::test::run_until(io, [&] { return connection->is_connected(); }, test_timeout));
  }

  redis::Result exec(Args args) {
    return mi::test::run_awaitable(io, connection->exec(std::move(args)), test_timeout);
  }

  mi::test::TestRedis server;
  asio::io_context io;
  std::shared_ptr<redis::Connection> connection;
  int connected_calls = 0;
};

// Runs the loop until Redis itself reports a client blocked (the BLPOP has arrived): a barrier,
// not a guess at how long the command takes to get there.
bool run_until_blocked(Fixture& f) {
  return mi::test::run_until(
      f.io,
      [&] {
        auto info = f.server.command({"INFO", "clients"});
        return info.str.find("blocked_clients:1\r\n") != std::string::npos;
      },
      test_timeout);
}

}  // namespace

TEST_CASE("exec copies every kind of reply", "[redis][connection]") {
  Fixture f;

  auto set = f.exec({"SET", "greeting", "hello"});
  REQUIRE_FALSE(set.ec);
  CHECK(set.reply.type == redis::Reply::Type::status);
  CHECK(set.reply.str == "OK");

  auto get = f.exec({"GET", "greeting"});
  REQUIRE_FALSE(get.ec);
  CHECK(get.reply.type == redis::Reply::Type::string);
  CHECK(get.reply.str == "hello");

  auto missing = f.exec({"GET", "no-such-key"});
  REQUIRE_FALSE(missing.ec);
  CHECK(missing.reply.is_nil());

  CHECK(f.exec({"INCR", "counter"}).reply.integer == 1);
  auto incr = f.exec({"INCRBY", "counter", "41"});
  CHECK(incr.reply.is_integer());
  CHECK(incr.reply.integer == 42);

  CHECK(f.exec({"RPUSH", "list", "a", "b", "c"}).reply.integer == 3);
  auto range = f.exec({"LRANGE", "list", "0", "-1"});
  REQUIRE(range.reply.is_array());
  REQUIRE(range.reply.elements.size() == 3);
  CHECK(range.reply.elements[0].str == "a");
  CHECK(range.reply.elements[2].str == "c");

  // Nested arrays and a nil inside an array (Lua false -> nil bulk).
  auto nested = f.exec({"EVAL", "return {7, {'x', 'y'}, 'z', false}", "0"});
  REQUIRE(nested.reply.is_array());
  REQUIRE(nested.reply.elements.size() == 4);
  CHECK(nested.reply.elements[0].integer == 7);
  REQUIRE(nested.reply.elements[1].is_array());
  CHECK(nested.reply.elements[1].elements.size() == 2);
  CHECK(nested.reply.elements[1].elements[1].str == "y");
  CHECK(nested.reply.elements[2].str == "z");
  CHECK(nested.reply.elements[3].is_nil());

  // Error replies are replies, not error codes.
  auto unknown = f.exec({"NO-SUCH-COMMAND"});
  REQUIRE_FALSE(unknown.ec);
  REQUIRE(unknown.reply.is_error());
  CHECK(unknown.reply.str.starts_with("ERR unknown command"));
  auto wrong_type = f.exec({"INCR", "list"});
  REQUIRE(wrong_type.reply.is_error());
  CHECK(wrong_type.reply.str.starts_with("WRONGTYPE"));

  // Binary-safe both ways: NUL, CR LF and high bytes in keys and values.
  const std::string key("bin\0key", 7);
  const std::string value("a\0b\r\n\xff\0", 7);
  REQUIRE(f.exec({"SET", key, value}).reply.str == "OK");
  auto binary = f.exec({"GET", key});
  REQUIRE(binary.reply.is_string());
  CHECK(binary.reply.str.size() == 7);
  CHECK(binary.reply.str == value);
  CHECK(f.server.command({"STRLEN", key}).integer == 7);

  // Refused before Redis: they would break the reply order.
  CHECK(f.exec({}).reply.is_error());
  auto subscribe = f.exec({"SUBSCRIBE", "x"});
  REQUIRE(subscribe.reply.is_error());
  CHECK(subscribe.reply.str.find("Subscriber") != std::string::npos);
  CHECK(f.exec({"PING"}).reply.str == "PONG");  // and the connection is still in order

  CHECK(f.connection->commands_sent() == 13);  // refused ones are not sent
  CHECK(f.connection->commands_failed() == 0);
}

TEST_CASE("a pipeline of 1000 commands comes back whole and in order", "[redis][connection]") {
  Fixture f;
  std::vector<Args> commands;
  for (int i = 0; i < 1000; ++i) commands.push_back({"INCR", "sequence"});
  auto result = mi::test::run_awaitable(f.io, f.connection->exec_pipeline(commands), test_timeout);
  REQUIRE_FALSE(result.ec);
  REQUIRE(result.replies.size() == 1000);
  for (int i = 0; i < 1000; ++i) {
    INFO("reply " << i);
    REQUIRE(result.replies[static_cast<std::size_t>(i)].integer == i + 1);
  }

  // Replies far larger than hiredis' 16 KiB read: several reads per readiness event.
  const std::string big(3 * 1024 * 1024 + 17, 'x');
  std::vector<Args> large = {{"SET", "big", big}, {"GET", "big"}, {"STRLEN", "big"}, {"GET", "big"}};
  auto large_result = mi::test::run_awaitable(f.io, f.connection->exec_pipeline(large), test_timeout);
  REQUIRE_FALSE(large_result.ec);
  CHECK(large_result.replies[1].str == big);
  CHECK(large_result.replies[2].integer == static_cast<long long>(big.size()));
  CHECK(large_result.replies[3].str == big);

  auto empty = mi::test::run_awaitable(f.io, f.connection->exec_pipeline({}), test_timeout);
  CHECK_FALSE(empty.ec);
  CHECK(empty.replies.empty());
}

TEST_CASE("eval runs a script with its prelude and reloads it after SCRIPT FLUSH", "[redis][connection]") {
  const auto& scripts = test_scripts();
  CHECK(scripts.find("prelude") == nullptr);
  CHECK(scripts.all().size() == 2);
  const redis::Script* twice = scripts.find("double");
  REQUIRE(twice != nullptr);
  CHECK(twice->text == "local function twice(x) return x*2 end\nreturn twice(tonumber(ARGV[1]))");

  Fixture f;
  // Our SHA1 is the one Redis computes, or EVALSHA could never hit.
  CHECK(f.server.command({"SCRIPT", "LOAD", twice->text}).str == twice->sha1);
  f.server.command({"SCRIPT", "FLUSH"});

  auto run_double = [&](std::string n) {
    return mi::test::run_awaitable(f.io, f.connection->eval("double", {}, {std::move(n)}), test_timeout);
  };
  auto first = run_double("21");  // not loaded: NOSCRIPT, SCRIPT LOAD, retry
  REQUIRE_FALSE(first.ec);
  CHECK(first.reply.integer == 42);
  CHECK(f.server.command({"SCRIPT", "EXISTS", twice->sha1}).elements.at(0).integer == 1);

  const auto sent_before = f.connection->commands_sent();
  CHECK(run_double("5").reply.integer == 10);
  CHECK(f.connection->commands_sent() == sent_before + 1);  // loaded: EVALSHA alone

  f.server.command({"SCRIPT", "FLUSH"});
  CHECK(f.server.command({"SCRIPT", "EXISTS", twice->sha1}).elements.at(0).integer == 0);
  auto after_flush = run_double("-4");
  REQUIRE_FALSE(after_flush.ec);
  CHECK(after_flush.reply.integer == -8);
  CHECK(f.connection->commands_sent() == sent_before + 4);  // EVALSHA, SCRIPT LOAD, EVALSHA

  auto unknown = mi::test::run_awaitable(f.io, f.connection->eval("no-such-script", {}, {}), test_timeout);
  CHECK(unknown.ec == redis::Errc::unknown_script);

  auto broken = mi::test::run_awaitable(f.io, f.connection->eval("broken", {}, {}), test_timeout);
  REQUIRE_FALSE(broken.ec);
  REQUIRE(broken.reply.is_error());
  CHECK(broken.reply.str.find("compiling") != std::string::npos);
}

TEST_CASE("keys and arguments reach the script in order", "[redis][connection]") {
  static const std::vector<redis::EmbeddedScript> sources = {
      {"echo", "return {KEYS[1], KEYS[2], ARGV[1], ARGV[2], #KEYS, #ARGV}"}};
  static const redis::ScriptSet scripts(sources);
  mi::test::TestRedis server;
  asio::io_context io;
  auto connection = std::make_shared<redis::Connection>(io.get_executor(), server.endpoint(), fast_options(), scripts);
  connection->start();
  REQUIRE(mi::test::run_until(io, [&] { return connection->is_connected(); }, test_timeout));
  auto result = mi::test::run_awaitable(io, connection->eval("echo", {"k1", "k2"}, {"a1", std::string("a\0 2", 4)}),
                                        test_timeout);
  REQUIRE(result.reply.is_array());
  REQUIRE(result.reply.elements.size() == 6);
  CHECK(result.reply.elements[0].str == "k1");
  CHECK(result.reply.elements[1].str == "k2");
  CHECK(result.reply.elements[2].str == "a1");
  CHECK(result.reply.elements[3].str == std::string("a\0 2", 4));
  CHECK(result.reply.elements[4].integer == 2);
  CHECK(result.reply.elements[5].integer == 2);
}

TEST_CASE("the scripts compiled into the binary load in Redis under their SHA1", "[redis][scripts]") {
  const auto& scripts = redis::builtin_scripts();
  CHECK(scripts.find("prelude") == nullptr);
  if (scripts.all().empty()) return;  // no redis-scripts/*.lua yet
  mi::test::TestRedis server;
  for (const auto& [name, script] : scripts.all()) {
    INFO("script " << name);
    const auto loaded = server.command({"SCRIPT", "LOAD", script.text});
    CHECK_FALSE(loaded.is_error());
    CHECK(loaded.str == script.sha1);
  }
}

TEST_CASE("commands fail fast with not_connected while Redis is unreachable", "[redis][connection]") {
  asio::io_context io;
  redis::Endpoint nowhere;
  nowhere.host = "127.0.0.1";
  nowhere.port = redis::find_free_port();  // nothing listens there
  auto connection = std::make_shared<redis::Connection>(io.get_executor(), nowhere, fast_options(), test_scripts());

  auto before_start = mi::test::run_awaitable(io, connection->exec({"PING"}), test_timeout);
  CHECK(before_start.ec == redis::Errc::not_connected);

  connection->start();
  mi::test::run_for(io, 150ms);  // a few refused attempts
  CHECK_FALSE(connection->is_connected());

  const auto started = Clock::now();
  auto result = mi::test::run_awaitable(io, connection->exec({"PING"}), test_timeout);
  auto pipeline = mi::test::run_awaitable(io, connection->exec_pipeline({{"PING"}, {"PING"}}), test_timeout);
  auto script = mi::test::run_awaitable(io, connection->eval("double", {}, {"1"}), test_timeout);
  CHECK(Clock::now() - started < 100ms);
  CHECK(result.ec == redis::Errc::not_connected);
  CHECK(pipeline.ec == redis::Errc::not_connected);
  CHECK(script.ec == redis::Errc::not_connected);
  CHECK(connection->commands_failed() == 5);
  CHECK(connection->commands_sent() == 0);

  connection->stop();
  auto stopped = mi::test::run_awaitable(io, connection->exec({"PING"}), test_timeout);
  CHECK(stopped.ec == redis::Errc::shut_down);
}

TEST_CASE("the connection comes back after Redis is killed and restarted", "[redis][connection]") {
  Fixture f;
  CHECK(mi::test::run_until(f.io, [&] { return f.connected_calls == 1; }, test_timeout));
  CHECK(f.connection->reconnects() == 0);

  // A command in flight when Redis dies gets connection_lost.
  auto blocked = mi::test::start_awaitable(f.io, f.connection->exec({"BLPOP", "never-filled", "0"}));
  REQUIRE(run_until_blocked(f));
  REQUIRE_FALSE(blocked->has_value());
  f.server.process.kill();
  REQUIRE(mi::test::run_until(f.io, [&] { return blocked->has_value(); }, test_timeout));
  CHECK((*blocked)->ec == redis::Errc::connection_lost);

  REQUIRE(mi::test::run_until(f.io, [&] { return !f.connection->is_connected(); }, test_timeout));
  CHECK(f.exec({"PING"}).ec == redis::Errc::not_connected);
  mi::test::run_for(f.io, 300ms);  // several refused reconnection attempts

  f.server.process.restart();
  REQUIRE(mi::test::run_until(
      f.io, [&] { return f.connection->is_connected() && f.connected_calls == 2; }, test_timeout));
  CHECK(f.connection->reconnects() == 1);
  CHECK(f.exec({"SET", "after", "restart"}).reply.str == "OK");
  CHECK(f.exec({"GET", "after"}).reply.str == "restart");
  CHECK(f.server.command({"GET", "after"}).str == "restart");
}

TEST_CASE("a command past its deadline times out and the connection recovers", "[redis][connection]") {
  auto options = fast_options();
  options.command_timeout = 200ms;
  Fixture f(options);

  const auto started = Clock::now();
  auto slow = f.exec({"DEBUG", "SLEEP", "1"});
  const auto elapsed = Clock::now() - started;
  CHECK(slow.ec == redis::Errc::timed_out);
  CHECK(elapsed >= 190ms);
  CHECK(elapsed < 800ms);
  CHECK(f.connection->commands_failed() == 1);

  // The link was dropped; once Redis wakes up, commands work again on a new connection.
  bool recovered = false;
  const auto deadline = Clock::now() + test_timeout;
  while (!recovered && Clock::now() < deadline) {
    if (!mi::test::run_until(f.io, [&] { return f.connection->is_connected(); }, test_timeout)) break;
    auto ping = f.exec({"PING"});
    recovered = !ping.ec && ping.reply.str == "PONG";
    if (!recovered) mi::test::run_for(f.io, 50ms);
  }
  CHECK(recovered);
  CHECK(f.connection->reconnects() >= 1);
  CHECK(f.connected_calls >= 2);
}

TEST_CASE("stop fails what is in flight with shut_down", "[redis][connection]") {
  Fixture f;
  auto blocked = mi::test::start_awaitable(f.io, f.connection->exec({"BLPOP", "never-filled", "0"}));
  REQUIRE(run_until_blocked(f));
  REQUIRE_FALSE(blocked->has_value());
  f.connection->stop();
  CHECK_FALSE(f.connection->is_connected());
  REQUIRE(mi::test::run_until(f.io, [&] { return blocked->has_value(); }, test_timeout));
  CHECK((*blocked)->ec == redis::Errc::shut_down);
  CHECK(f.exec({"PING"}).ec == redis::Errc::shut_down);
  f.connection->stop();  // idempotent

  // Destroying a connection with a command in flight is safe too.
  Fixture g;
  auto pending = mi::test::start_awaitable(g.io, g.connection->exec({"BLPOP", "never-filled", "0"}));
  REQUIRE(run_until_blocked(g));
  g.connection.reset();
  REQUIRE(mi::test::run_until(g.io, [&] { return pending->has_value(); }, test_timeout));
  CHECK((*pending)->ec == redis::Errc::shut_down);
}

TEST_CASE("commands beyond max_in_flight fail with overloaded", "[redis][connection]") {
  auto options = fast_options();
  options.max_in_flight = 2;
  Fixture f(options);
  auto first = mi::test::start_awaitable(f.io, f.connection->exec({"BLPOP", "queue", "0"}));
  auto second = mi::test::start_awaitable(f.io, f.connection->exec({"BLPOP", "queue", "0"}));
  REQUIRE(run_until_blocked(f));  // both sent: the second waits behind the first in Redis

  CHECK(f.exec({"PING"}).ec == redis::Errc::overloaded);
  auto pipeline = mi::test::run_awaitable(f.io, f.connection->exec_pipeline({{"PING"}}), test_timeout);
  CHECK(pipeline.ec == redis::Errc::overloaded);

  f.server.command({"RPUSH", "queue", "one", "two"});
  REQUIRE(mi::test::run_until(f.io, [&] { return first->has_value() && second->has_value(); }, test_timeout));
  CHECK((*first)->reply.elements.at(1).str == "one");
  CHECK((*second)->reply.elements.at(1).str == "two");
  CHECK(f.exec({"PING"}).reply.str == "PONG");
}

TEST_CASE("the endpoint's db is selected before any command runs", "[redis][connection]") {
  Fixture f(fast_options(), 5);
  CHECK(f.exec({"SET", "where", "db5"}).reply.str == "OK");
  CHECK(f.server.command({"GET", "where"}, 5).str == "db5");
  CHECK(f.server.command({"GET", "where"}, 0).is_nil());

  // Also after a reconnection.
  f.server.process.kill();
  f.server.process.restart();
  REQUIRE(mi::test::run_until(
      f.io, [&] { return f.connection->is_connected() && f.connected_calls == 2; }, test_timeout));
  CHECK(f.exec({"SET", "again", "db5"}).reply.str == "OK");
  CHECK(f.server.command({"GET", "again"}, 5).str == "db5");
  CHECK(f.server.command({"GET", "again"}, 0).is_nil());
}

TEST_CASE("a server that accepts but never answers: deadlines on the link's setup and on commands",
          "[redis][connection]") {
  asio::io_context io;
  asio::ip::tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
  // Held open. Silent, or answering the first command a link sends (its setup's INFO) with an
  // empty reply and nothing after it.
  std::vector<std::unique_ptr<asio::ip::tcp::socket>> accepted;
  bool answer_setup = false;
  std::array<char, 4096> discard{};
  const std::string empty_info = "$0\r\n\r\n";
  std::function<void()> accept_next = [&] {
    acceptor.async_accept([&](const boost::system::error_code& ec, asio::ip::tcp::socket socket) {
      if (ec) return;
      accepted.push_back(std::make_unique<asio::ip::tcp::socket>(std::move(socket)));
      if (answer_setup) {
        auto* link = accepted.back().get();
        link->async_read_some(asio::buffer(discard), [&, link](const boost::system::error_code& read_ec, std::size_t) {
          if (!read_ec) asio::async_write(*link, asio::buffer(empty_info), [](const boost::system::error_code&, std::size_t) {});
        });
      }
      accept_next();
    });
  };
  accept_next();

  auto options = fast_options();
  options.connect_timeout = 200ms;
  options.command_timeout = 200ms;
  redis::Endpoint silent;
  silent.host = "127.0.0.1";
  silent.port = acceptor.local_endpoint().port();

  // The setup (SELECT, INFO) is never answered: the connect deadline drops the link and a new one
  // is tried.
  silent.db = 1;
  auto selecting = std::make_shared<redis::Connection>(io.get_executor(), silent, options, test_scripts());
  selecting->start();
  REQUIRE(mi::test::run_until(io, [&] { return accepted.size() >= 3; }, test_timeout));
  CHECK_FALSE(selecting->is_connected());
  CHECK(mi::test::run_awaitable(io, selecting->exec({"PING"}), test_timeout).ec == redis::Errc::not_connected);
  selecting.reset();

  // db 0, the setup's INFO answered: connected, but the command gets no reply within its deadline.
  silent.db = 0;
  answer_setup = true;
  auto connection = std::make_shared<redis::Connection>(io.get_executor(), silent, options, test_scripts());
  connection->start();
  REQUIRE(mi::test::run_until(io, [&] { return connection->is_connected(); }, test_timeout));
  const auto started = Clock::now();
  auto pipeline = mi::test::run_awaitable(io, connection->exec_pipeline({{"PING"}, {"PING"}}), test_timeout);
  CHECK(pipeline.ec == redis::Errc::timed_out);
  CHECK(Clock::now() - started < 600ms);
  CHECK(connection->commands_failed() == 2);  // one timed out, the other lost with the link
}
