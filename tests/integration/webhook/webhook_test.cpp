// Webhooks (docs/webhooks.md) on real hubs, a real Redis and a real HTTP endpoint: signed
// deliveries, retries after failures, every selected event exactly once after dedupe in seq order
// per colony, and a hub killed mid-delivery whose colonies another hub carries on.

#include <catch2/catch.hpp>

#include <charconv>
#include <cstdlib>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "tests/support/hub_fixture.hpp"
#include "tests/support/json_pointer.hpp"
#include "tests/support/test_certificates.hpp"
#include "tests/support/webhook_receiver.hpp"
#include "tests/support/ws_client.hpp"

using namespace mi::test;
using namespace std::chrono_literals;

namespace {

const std::string kSecret = "test-webhook-secret";
const std::set<std::string> kSelected = {"join", "online", "offline", "clone"};

struct Delivered {
  std::string colony;
  std::string epoch;
  std::uint64_t seq = 0;
  std::string kind;
};

std::uint64_t to_u64(const std::string& text) {
  std::uint64_t value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

// The events of every request, in the order they arrived (with duplicates).
std::vector<Delivered> events_of(const std::vector<ReceivedWebhook>& received, bool answered_2xx_only) {
  std::vector<Delivered> out;
  for (const auto& request : received) {
    if (answered_2xx_only && request.answered != 200) continue;
    const long count = json_array_size(request.body, "/events");
    for (long i = 0; i < count; ++i) {
      auto event = json_at(request.body, "/events/" + std::to_string(i)).value_or("");
      out.push_back({json_at(event, "/colony").value_or(""), json_at(event, "/epoch").value_or(""),
                     to_u64(json_at(event, "/seq").value_or("0")), json_at(event, "/event").value_or("")});
    }
  }
  return out;
}

// What the endpoint keeps after dedupe on (colony, epoch, seq): per colony, seqs in the order first seen.
std::map<std::string, std::vector<std::uint64_t>> deduped(const std::vector<Delivered>& events) {
  std::set<std::tuple<std::string, std::string, std::uint64_t>> seen;
  std::map<std::string, std::vector<std::uint64_t>> kept;
  for (const auto& event : events) {
    if (seen.emplace(event.colony, event.epoch, event.seq).second) kept[event.colony].push_back(event.seq);
  }
  return kept;
}

// The selected events the colony's stream holds, in seq order: what must be delivered.
std::vector<std::uint64_t> expected_seqs(TestRedis& redis, const std::string& colony) {
  auto entries = redis.command({"XRANGE", "mi:test:{c:" + colony + "}:events", "-", "+"});
  std::vector<std::uint64_t> seqs;
  for (const auto& entry : entries.elements) {
    const auto& json = entry.elements[1].elements[1].str;
    if (kSelected.contains(json_at(json, "/event").value_or(""))) seqs.push_back(to_u64(json_at(json, "/seq").value_or("0")));
  }
  return seqs;
}

// Waits until the colony's stream holds `count` selected events: an offline is written as the hub
// reads the agent's close, after the agent's side of it returned.
void wait_written(TestRedis& redis, const std::string& colony, std::size_t count) {
  auto deadline = std::chrono::steady_clock::now() + 5s;
  while (expected_seqs(redis, colony).size() < count && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(20ms);
  }
  REQUIRE(expected_seqs(redis, colony).size() == count);
}

std::vector<std::string> webhook_flags(const WebhookReceiver& receiver) {
  return {"--webhook-url", receiver.url(), "--webhook-secret", kSecret, "--webhook-batch-wait", "0.05",
          "--webhook-timeout", "1", "--webhook-retry-for", "30"};
}

// Onboards one agent per code on `port`, each then closing its socket: a join and an offline each.
void come_and_go(unsigned short port, const std::vector<std::string>& codes, const std::string& name) {
  for (const auto& code : codes) {
    WsClient agent(port);
    REQUIRE(onboard(agent, code, name).type == "welcome");
    agent.close();
  }
}

std::string invite(unsigned short port, const std::string& admin_token, const std::string& colony) {
  auto reply = http_request(port, "POST", "/v1/colonies/" + colony + "/invites", "{}",
                            {{"authorization", "Bearer " + admin_token}});
  REQUIRE(reply.status == 201);
  return json_at(reply.body, "/code").value();
}

double metric(unsigned short port, const std::string& name) {
  auto text = http_request(port, "GET", "/metrics").body;
  auto at = text.find("\n" + name + " ");
  if (at == std::string::npos) return -1;
  return std::stod(text.substr(at + name.size() + 2));
}

// Every expected event delivered in a request answered 2xx (after dedupe), in seq order per
// colony, nothing else.
bool all_delivered(TestRedis& redis, const std::vector<ReceivedWebhook>& received, const std::vector<std::string>& colonies) {
  auto kept = deduped(events_of(received, true));
  for (const auto& colony : colonies) {
    if (kept[colony] != expected_seqs(redis, colony)) return false;
  }
  return true;
}

}  // namespace

TEST_CASE("webhooks: signed deliveries, retried after failures, every event once in seq order", "[webhook]") {
  WebhookReceiver receiver;
  receiver.fail_next(3);
  HubFixture f(webhook_flags(receiver));
  const std::vector<std::string> colonies = {"w1", "w2"};
  for (const auto& colony : colonies) {
    std::vector<std::string> codes;
    for (int i = 0; i < 4; ++i) codes.push_back(f.create_invite(colony));
    come_and_go(f.hub.port(), codes, "bot");
  }
  // An update is not selected by default: it moves the cursor with no delivery of its own.
  {
    WsClient agent(f.hub.port());
    REQUIRE(onboard(agent, f.create_invite("w1"), "updater").type == "welcome");
    agent.send(R"({"type":"status","meta":{"task":"x"}})");
    agent.close();
  }
  wait_written(f.redis, "w1", 10);
  wait_written(f.redis, "w2", 8);
  REQUIRE(receiver.wait_until([&](const auto& received) { return all_delivered(f.redis, received, colonies); }, 20s));
  const auto received = receiver.received();
  CHECK(received.size() >= 4);  // three 500s, then at least one success
  for (const auto& request : received) {
    CHECK(request.content_type == "application/json");
    CHECK(webhook_signature_valid(kSecret, request.signature, request.body));
    CHECK_FALSE(webhook_signature_valid("another secret", request.signature, request.body));
    CHECK_FALSE(request.delivery_id.empty());
    CHECK(json_array_size(request.body, "/events") <= 100);
  }
  // The answered deliveries alone carry each colony's events in seq order, each seq once per
  // delivery, and no kind that was not selected.
  for (const auto& event : events_of(received, false)) CHECK(kSelected.contains(event.kind));
  std::map<std::string, std::uint64_t> last_acknowledged;
  for (const auto& event : events_of(received, true)) {
    CHECK(event.seq > last_acknowledged[event.colony]);
    last_acknowledged[event.colony] = event.seq;
  }
  CHECK(metric(f.hub.port(), "mi_webhook_failures_total") >= 3);
  CHECK(metric(f.hub.port(), "mi_webhook_deliveries_total") >= 1);
  CHECK(metric(f.hub.port(), "mi_webhook_events_dropped_total") == 0);
}

TEST_CASE("webhooks: a delivery that keeps failing is dropped after --webhook-retry-for and counted", "[webhook]") {
  WebhookReceiver receiver;
  receiver.fail_next(1'000'000);
  HubFixture f({"--webhook-url", receiver.url(), "--webhook-secret", kSecret, "--webhook-batch-wait", "0.05",
                "--webhook-timeout", "1", "--webhook-retry-for", "1"});
  come_and_go(f.hub.port(), {f.create_invite("d1")}, "doomed");
  wait_written(f.redis, "d1", 2);
  const auto expected = expected_seqs(f.redis, "d1").size();
  // Given up within the retry window plus an attempt; the oldest undelivered age falls back to 0.
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (metric(f.hub.port(), "mi_webhook_events_dropped_total") < static_cast<double>(expected) &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(50ms);
  }
  CHECK(metric(f.hub.port(), "mi_webhook_events_dropped_total") == static_cast<double>(expected));
  CHECK(metric(f.hub.port(), "mi_webhook_failures_total") >= 2);
  // Once the endpoint is back, later events are delivered (the dropped ones are not).
  receiver.fail_next(0);
  const auto before = receiver.received().size();
  come_and_go(f.hub.port(), {f.create_invite("d1")}, "later");
  REQUIRE(receiver.wait_until(
      [&](const auto& received) {
        for (std::size_t i = before; i < received.size(); ++i) {
          if (received[i].answered == 200) return true;
        }
        return false;
      },
      10s));
}

TEST_CASE("webhooks: a hub killed mid-delivery is carried on by another hub from the last 2xx", "[webhook][failover]") {
  WebhookReceiver receiver;
  TestRedis redis;
  auto flags = webhook_flags(receiver);
  flags.insert(flags.end(), {"--hub-liveness", "1.5", "--sweep-period", "0.5"});
  auto first = std::make_unique<HubProcess>(hub_options(redis, flags));
  const std::vector<std::string> colonies = {"k1", "k2", "k3"};
  // A first round, delivered by the first hub alone: it holds the colonies' leases.
  for (const auto& colony : colonies) {
    come_and_go(first->port(), {invite(first->port(), first->admin_token(), colony)}, "early");
  }
  for (const auto& colony : colonies) wait_written(redis, colony, 2);
  REQUIRE(receiver.wait_until([&](const auto& received) { return all_delivered(redis, received, colonies); }, 15s));
  HubProcess second(hub_options(redis, flags));
  // The endpoint goes down; more events, owed by whichever hub holds each colony.
  receiver.set_down(true);
  const auto down_from = receiver.received().size();
  for (const auto& colony : colonies) {
    std::vector<std::string> codes;
    for (int i = 0; i < 3; ++i) codes.push_back(invite(second.port(), second.admin_token(), colony));
    come_and_go(second.port(), codes, "during");
  }
  // Wait until the first hub is trying (it holds at least one colony's lease and failed at it),
  // then kill it as a crash would.
  auto owner_is_first = [&] {
    for (const auto& colony : colonies) {
      if (redis.command({"GET", "mi:test:{c:" + colony + "}:webhook:owner"}).str == first->instance()) return true;
    }
    return false;
  };
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!owner_is_first() && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(20ms);
  REQUIRE(owner_is_first());
  REQUIRE(receiver.wait_until([&](const auto& received) { return received.size() > down_from + 1; }, 10s));
  first->kill();
  first.reset();
  // Events after the kill, from the surviving hub.
  for (const auto& colony : colonies) {
    come_and_go(second.port(), {invite(second.port(), second.admin_token(), colony)}, "after");
  }
  for (const auto& colony : colonies) wait_written(redis, colony, 10);
  receiver.set_down(false);
  REQUIRE(receiver.wait_until([&](const auto& received) { return all_delivered(redis, received, colonies); }, 25s));
  const auto received = receiver.received();
  for (const auto& request : received) CHECK(webhook_signature_valid(kSecret, request.signature, request.body));
  // After the endpoint came back, the answered deliveries went on in seq order per colony from
  // the last 2xx: a colony's answered seqs never go backwards.
  std::map<std::string, std::uint64_t> last;
  for (const auto& event : events_of(received, true)) {
    CHECK(event.seq > last[event.colony]);
    last[event.colony] = event.seq;
  }
  // The cursor reaches the last event (its ack follows the answer).
  for (const auto& colony : colonies) {
    auto cursor = [&] { return to_u64(redis.command({"HGET", "mi:test:{c:" + colony + "}:webhook:cursor", "seq"}).str); };
    auto acked = std::chrono::steady_clock::now() + 5s;
    while (cursor() != expected_seqs(redis, colony).back() && std::chrono::steady_clock::now() < acked) {
      std::this_thread::sleep_for(20ms);
    }
    CHECK(cursor() == expected_seqs(redis, colony).back());
  }
  CHECK(metric(second.port(), "mi_webhook_deliveries_total") >= 1);
}

TEST_CASE("webhooks: a draining hub gives its colonies' leases up, and another hub delivers them", "[webhook][drain]") {
  WebhookReceiver receiver;
  receiver.set_down(true);
  TestRedis redis;
  const auto flags = webhook_flags(receiver);
  HubProcess draining(hub_options(redis, flags));
  come_and_go(draining.port(), {invite(draining.port(), draining.admin_token(), "g1")}, "bot");
  wait_written(redis, "g1", 2);
  const std::string owner_key = "mi:test:{c:g1}:webhook:owner";
  // It holds the lease and is retrying against the endpoint that is down.
  REQUIRE(receiver.wait_until([](const auto& received) { return !received.empty(); }, 10s));
  REQUIRE(redis.command({"GET", owner_key}).str == draining.instance());
  HubProcess successor(hub_options(redis, flags));
  CHECK(draining.terminate() == 0);
  // Released at the drain: not left to lapse.
  CHECK(redis.command({"GET", owner_key}).str != draining.instance());
  receiver.set_down(false);
  REQUIRE(receiver.wait_until([&](const auto& received) { return all_delivered(redis, received, {"g1"}); }, 10s));
  CHECK(metric(successor.port(), "mi_webhook_deliveries_total") >= 1);
}

TEST_CASE("webhooks over HTTPS: the endpoint's certificate and name are verified", "[webhook][tls]") {
  TestCertificates pki;
  WebhookReceiver trusted(pki.server());
  WebhookReceiver misnamed(pki.other_name());  // signed by the same CA, for another name
  TestRedis redis;
  auto start_hub = [&](const WebhookReceiver& receiver, const std::string& env) {
    // The hub trusts the test CA as its system store (OpenSSL reads SSL_CERT_FILE).
    ::setenv("SSL_CERT_FILE", pki.ca_file().c_str(), 1);
    auto flags = webhook_flags(receiver);
    flags.back() = "1";  // --webhook-retry-for
    auto hub = std::make_unique<HubProcess>(hub_options(redis, flags, env));
    ::unsetenv("SSL_CERT_FILE");
    return hub;
  };
  auto good = start_hub(trusted, "test");
  auto bad = start_hub(misnamed, "other");
  come_and_go(good->port(), {invite(good->port(), good->admin_token(), "t1")}, "secure");
  come_and_go(bad->port(), {invite(bad->port(), bad->admin_token(), "t1")}, "refused");
  wait_written(redis, "t1", 2);
  REQUIRE(trusted.wait_until([&](const auto& received) { return all_delivered(redis, received, {"t1"}); }, 10s));
  for (const auto& request : trusted.received()) CHECK(webhook_signature_valid(kSecret, request.signature, request.body));
  // The misnamed endpoint never gets a request: the hub refuses its certificate, retries, and
  // drops the events once --webhook-retry-for has passed.
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (metric(bad->port(), "mi_webhook_events_dropped_total") < 2 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(50ms);
  }
  CHECK(metric(bad->port(), "mi_webhook_events_dropped_total") == 2);
  CHECK(metric(bad->port(), "mi_webhook_failures_total") >= 1);
  CHECK(misnamed.received().empty());
  CHECK(bad->log().find("TLS with localhost") != std::string::npos);
}

TEST_CASE("webhooks: events trimmed from the stream before delivery are counted as dropped", "[webhook][trim]") {
  WebhookReceiver receiver;
  receiver.set_down(true);
  // Small stream nodes, so that the approximate MAXLEN of a short stream trims.
  TestRedis redis(TestRedis::Persistence::none, {"stream-node-max-entries 4"});
  auto flags = webhook_flags(receiver);
  flags.insert(flags.end(), {"--event-stream-length", "6"});
  HubProcess hub(hub_options(redis, flags));
  come_and_go(hub.port(), {invite(hub.port(), hub.admin_token(), "m1")}, "first");
  // The first delivery is being retried while the endpoint is down; meanwhile the stream moves on.
  REQUIRE(receiver.wait_until([](const auto& received) { return !received.empty(); }, 10s));
  std::vector<std::string> codes;
  for (int i = 0; i < 10; ++i) codes.push_back(invite(hub.port(), hub.admin_token(), "m1"));
  come_and_go(hub.port(), codes, "later");
  auto written = std::chrono::steady_clock::now() + 5s;
  while (redis.command({"GET", "mi:test:{c:m1}:seq"}).str != "22" && std::chrono::steady_clock::now() < written) {
    std::this_thread::sleep_for(20ms);
  }
  REQUIRE(redis.command({"GET", "mi:test:{c:m1}:seq"}).str == "22");
  const auto held = expected_seqs(redis, "m1");
  REQUIRE(held.front() > 3);  // trimmed past what the first delivery can hold
  receiver.set_down(false);
  // Everything the stream holds arrives; what it lost is counted, so delivered + dropped = 22.
  REQUIRE(receiver.wait_until(
      [&](const auto& received) {
        auto kept = deduped(events_of(received, true));
        return !kept["m1"].empty() && kept["m1"].back() == 22;
      },
      15s));
  const auto delivered = deduped(events_of(receiver.received(), true))["m1"];
  for (std::size_t i = 1; i < delivered.size(); ++i) CHECK(delivered[i] > delivered[i - 1]);
  auto deadline = std::chrono::steady_clock::now() + 5s;
  while (metric(hub.port(), "mi_webhook_events_dropped_total") + static_cast<double>(delivered.size()) < 22 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(20ms);
  }
  CHECK(metric(hub.port(), "mi_webhook_events_dropped_total") > 0);
  CHECK(metric(hub.port(), "mi_webhook_events_dropped_total") + static_cast<double>(delivered.size()) == 22);
}
