// mi-hub on its embedded default (a private redis-server child over a unix socket), as
// scripts/run-hub starts it: it comes up ready, registers itself, and its start-up log carries no
// warning, since an operator reads a warning at start as something wrong.

#include <catch2/catch.hpp>

#include <string>
#include <thread>

#include "hub/redis/endpoint.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/hub_process.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/test_redis.hpp"

using namespace mi::test;

TEST_CASE("on the embedded default the hub starts ready, registers itself and warns of nothing", "[startup]") {
  TempDir data("mi-startup");
  HubOptions options;
  options.redis_url = "embedded";
  options.extra_args = {"--data-dir", data.path().string()};
  HubProcess hub(options);  // returns once /readyz answers 200

  // The Redis child listens where the hub's log says.
  constexpr std::string_view kRunningAt = "embedded redis-server running at ";
  auto started = hub.log();
  auto at = started.find(kRunningAt);
  REQUIRE(at != std::string::npos);
  auto url_begin = at + kRunningAt.size();
  auto endpoint = mi::redis::parse_redis_url(started.substr(url_begin, started.find('\n', url_begin) - url_begin));
  REQUIRE(endpoint);
  // The first liveness beat registers the hub: the other hubs' sweep relies on it.
  bool registered = eventually([&] {
    auto members = blocking_command(*endpoint, {"SMEMBERS", "mi:test:{hubs}:all"});
    for (const auto& member : members.elements) {
      if (member.str == hub.instance()) return true;
    }
    return false;
  });
  CHECK(registered);

  auto log = hub.log();
  INFO(log);
  CHECK(log.find(" warn ") == std::string::npos);
  CHECK(log.find(" error ") == std::string::npos);
  CHECK(log.find("event subscription up") != std::string::npos);
  CHECK(log.find("restored") == std::string::npos);
  CHECK(hub.terminate() == 0);
}
