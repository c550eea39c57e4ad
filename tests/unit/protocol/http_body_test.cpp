// The bodies of the HTTP API's answers: exact bytes, since the CLI, the web pages and the
// integration tests read them.

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "protocol/server_message.hpp"

using namespace mi::protocol;

namespace {

const std::string kAgentJared =
    R"({"id":"jared","colony":"c1","kind":"remote","status":"online","last_seen":1700000000123,)"
    R"("joined_at":1700000000000,"clone_of":null,"invite":"JCVCFB","meta":{}})";

Invite invite_with_code(std::string code) {
  Invite invite;
  invite.code = code;
  invite.type = "agent";
  invite.colony = "c1";
  invite.status = "active";
  invite.created_at = 1700000000000;
  invite.url = "http://hub.test/r/" + code;
  return invite;
}

}  // namespace

TEST_CASE("serialize_invite_list: a page of invites and the count of all", "[http_body]") {
  CHECK(serialize_invite_list("empty-office", 0, {}) == R"({"colony":"empty-office","total":0,"invites":[]})");
  const std::vector<Invite> page = {invite_with_code("BBBBBB"), invite_with_code("AAAAAA")};
  const std::string body = serialize_invite_list("c1", 7, page);
  CHECK(body == R"({"colony":"c1","total":7,"invites":[)" + serialize_invite(page[0]) + "," +
                    serialize_invite(page[1]) + "]}");
}

TEST_CASE("serialize_agent_list: AGENT objects pass through as they are", "[http_body]") {
  CHECK(serialize_agent_list("c1", 0, {}, std::nullopt) == R"({"colony":"c1","seq":0,"agents":[],"next_cursor":null})");
  std::vector<std::string> two{kAgentJared, kAgentJared};
  CHECK(serialize_agent_list("c1", 18446744073709551615ULL, two, std::string("0123456789abcdef.1000")) ==
        R"({"colony":"c1","seq":18446744073709551615,"agents":[)" + kAgentJared + "," + kAgentJared +
            R"(],"next_cursor":"0123456789abcdef.1000"})");
}

TEST_CASE("serialize_colony_list", "[http_body]") {
  CHECK(serialize_colony_list({}) == R"({"colonies":[]})");
  CHECK(serialize_colony_list({"a", "b-2", "c_3"}) == R"({"colonies":["a","b-2","c_3"]})");
}

TEST_CASE("serialize_watch_token", "[http_body]") {
  CHECK(serialize_watch_token("c1.1700000060000.sig", "c1", 1700000060000) ==
        R"({"token":"c1.1700000060000.sig","colony":"c1","expires_at":1700000060000})");
  CHECK(serialize_watch_token("a\"b", "c1", -1) == R"({"token":"a\"b","colony":"c1","expires_at":-1})");
}

TEST_CASE("serialize_agent_credentials", "[http_body]") {
  CHECK(serialize_agent_credentials("c1", "jared-2", "c1:jared-2:s3cr3t") ==
        R"({"colony":"c1","agent":"jared-2","token":"c1:jared-2:s3cr3t"})");
}

TEST_CASE("serialize_admin_session: signed in until a time, or not", "[http_body]") {
  CHECK(serialize_admin_session(true, 1700000000000) == R"({"signed_in":true,"expires_at":1700000000000})");
  CHECK(serialize_admin_session(true) == R"({"signed_in":true})");
  CHECK(serialize_admin_session(false) == R"({"signed_in":false})");
}

TEST_CASE("serialize_health", "[http_body]") {
  CHECK(serialize_health("ok") == R"({"status":"ok"})");
  CHECK(serialize_health("ready") == R"({"status":"ready"})");
}
