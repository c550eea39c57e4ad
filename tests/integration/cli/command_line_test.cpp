// The command line made consistent: a second revocation says it did nothing, `mi status` lists a
// colony as its dashboard does (order, reason, meta), an address without a hub says so, and the
// README shows what mi prints.

#include <fstream>
#include <regex>
#include <sstream>

#include <catch2/catch.hpp>

#include "tests/integration/cli/cli_fixture.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/ws_client.hpp"

using namespace mi::test::cli;
using mi::test::json_at;

namespace {

}  // namespace

TEST_CASE("revoking an invite that is already revoked says so", "[cli][invite]") {
  CliFixture f;
  const auto code = f.mi({"invite", "--colony", "c1"}).out.substr(0, 6);
  auto first = f.mi({"invite", "revoke", code});
  CHECK(first.exit_code == 0);
  CHECK(first.out == "Revoked invite " + code + " of colony c1: it can no longer be redeemed.\n");
  auto second = f.mi({"invite", "revoke", code});
  CHECK(second.exit_code == 0);
  CHECK(second.out == "Invite " + code + " of colony c1 was already revoked: nothing changed, and it cannot be redeemed.\n");
  auto as_json = f.mi({"invite", "revoke", code, "--json"});
  CHECK(json_at(as_json.out, "/status") == "revoked");
}
