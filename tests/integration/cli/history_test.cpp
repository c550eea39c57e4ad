// mi agent history: an agent's uptime and transitions, as a table or the hub's JSON.

#include <catch2/catch.hpp>

#include "tests/integration/cli/cli_fixture.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/ws_client.hpp"

using namespace mi::test::cli;
using mi::test::json_at;

namespace {
bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }
}  // namespace

TEST_CASE("mi agent history prints the uptime windows and the transitions newest first", "[cli][history]") {
  CliFixture f;
  {
    mi::test::WsClient socket(f.hub.hub.port());
    REQUIRE(mi::test::onboard(socket, f.hub.create_invite("c1"), "jared").type == "welcome");
    socket.close();
  }
  REQUIRE(mi::test::eventually([&] {
    return agent_field(f.hub.admin("GET", "/v1/colonies/c1/agents").body, "jared", "/status") == "offline";
  }));

  auto shown = f.mi({"agent", "history", "jared", "--colony", "c1"});
  CHECK(shown.exit_code == 0);
  const auto lines = lines_of(shown.out);
  REQUIRE(lines.size() == 8);
  CHECK(has(lines[0], "jared (colony c1)"));
  CHECK(has(lines[1], "Uptime 1h"));
  CHECK(has(lines[2], "Uptime 24h"));
  CHECK(has(lines[3], "Uptime 7d"));
  CHECK(lines[4].empty());
  CHECK((has(lines[5], "STATUS") && has(lines[5], "REASON")));
  CHECK((has(lines[6], "Offline") && has(lines[6], "closed")));
  CHECK((has(lines[7], "Online") && has(lines[7], "join")));

  auto json = f.mi({"agent", "history", "jared", "--colony", "c1", "--json"});
  CHECK(json.exit_code == 0);
  CHECK(json_at(json.out, "/agent/id") == "jared");
  CHECK(json_at(json.out, "/transitions/0/reason") == "closed");

  auto unknown = f.mi({"agent", "history", "nobody", "--colony", "c1"});
  CHECK(unknown.exit_code == 1);
  auto bad_id = f.mi({"agent", "history", "Not An Id", "--colony", "c1"});
  CHECK(bad_id.exit_code == 2);
  CHECK(has(bad_id.err, "is not an agent id"));
  CHECK(f.mi({"agent", "history", "jared"}).exit_code == 2);
}
