#include <catch2/catch.hpp>

#include <string>
#include <variant>
#include <vector>

#include "protocol/client_message.hpp"
#include "protocol/server_message.hpp"
#include "protocol/server_message_parser.hpp"

using namespace mi::protocol;

namespace {

const std::string kAgentJared =
    R"({"id":"jared","colony":"c1","kind":"remote","status":"online","last_seen":1700000000123,)"
    R"("joined_at":1700000000000,"clone_of":null,"invite":"JCVCFB","meta":{"task":"build"}})";
const std::string kAgentClone =
    R"({"id":"jared-2","colony":"c1","kind":"hosted","status":"offline","last_seen":null,)"
    R"("joined_at":1700000000500,"clone_of":"jared","invite":null,"meta":{}})";

void check_is_jared(const Agent& agent) {
  CHECK(agent.id == "jared");
  CHECK(agent.colony == "c1");
  CHECK(agent.kind == "remote");
  CHECK(agent.status == "online");
  CHECK(agent.last_seen == std::optional<std::int64_t>(1700000000123));
  CHECK(agent.joined_at == 1700000000000);
  CHECK_FALSE(agent.clone_of);
  CHECK(agent.invite == std::optional<std::string>("JCVCFB"));
  CHECK(agent.meta_json == R"({"task":"build"})");
}

void check_is_clone(const Agent& agent) {
  CHECK(agent.id == "jared-2");
  CHECK(agent.colony == "c1");
  CHECK(agent.kind == "hosted");
  CHECK(agent.status == "offline");
  CHECK_FALSE(agent.last_seen);
  CHECK(agent.joined_at == 1700000000500);
  CHECK(agent.clone_of == std::optional<std::string>("jared"));
  CHECK_FALSE(agent.invite);
  CHECK(agent.meta_json == "{}");
}

ServerMessage expect_server_message(std::string_view frame) {
  std::optional<ServerMessage> message = parse_server_message(frame);
  if (!message) {
    FAIL("could not parse " << frame);
  }
  return *std::move(message);
}

Invite sample_invite() {
  Invite invite;
  invite.code = "JCVCFB";
  invite.type = "agent";
  invite.colony = "c1";
  invite.name = "jared";
  invite.status = "redeemed";
  invite.created_at = 1700000000000;
  invite.redeemed_by = "jared";
  invite.url = "http://127.0.0.1:8080/r/JCVCFB";
  return invite;
}

}  // namespace

// ---- serialization: exact bytes ------------------------------------------------------------

TEST_CASE("serialize_invite", "[server_message]") {
  CHECK(serialize_invite(sample_invite()) ==
        R"({"code":"JCVCFB","type":"agent","colony":"c1","name":"jared","status":"redeemed",)"
        R"("created_at":1700000000000,"redeemed_by":"jared","url":"http://127.0.0.1:8080/r/JCVCFB"})");

  Invite fresh = sample_invite();
  fresh.type = "human";
  fresh.name.reset();
  fresh.status = "active";
  fresh.redeemed_by.reset();
  CHECK(serialize_invite(fresh) ==
        R"({"code":"JCVCFB","type":"human","colony":"c1","name":null,"status":"active",)"
        R"("created_at":1700000000000,"redeemed_by":null,"url":"http://127.0.0.1:8080/r/JCVCFB"})");
}

TEST_CASE("append_invite appends to a list", "[server_message]") {
  std::string out = R"({"invites":[)";
  append_invite(out, sample_invite());
  out.append("]}");
  CHECK(out == R"({"invites":[{"code":"JCVCFB","type":"agent","colony":"c1","name":"jared",)"
               R"("status":"redeemed","created_at":1700000000000,"redeemed_by":"jared",)"
               R"("url":"http://127.0.0.1:8080/r/JCVCFB"}]})");
}

TEST_CASE("invite names are escaped", "[server_message]") {
  Invite invite = sample_invite();
  invite.name = "a \"quoted\"\nname";
  CHECK(serialize_invite(invite).find(R"("name":"a \"quoted\"\nname")") != std::string::npos);
}

TEST_CASE("serialize_http_error", "[server_message]") {
  CHECK(serialize_http_error("not_found", "No invite has this code.") ==
        R"({"error":{"code":"not_found","message":"No invite has this code."}})");
  CHECK(serialize_http_error("bad_colony", "bad \"x\"\t") ==
        R"({"error":{"code":"bad_colony","message":"bad \"x\"\t"}})");
}

TEST_CASE("serialize_ws_error", "[server_message]") {
  CHECK(serialize_ws_error("unauthorized", "Say hello first.", std::nullopt) ==
        R"({"type":"error","code":"unauthorized","message":"Say hello first."})");
  CHECK(serialize_ws_error("bad_request", "no", std::string("7")) ==
        R"({"type":"error","id":7,"code":"bad_request","message":"no"})");
  CHECK(serialize_ws_error("bad_request", "line\nbreak", std::string(R"("a\"b")")) ==
        R"({"type":"error","id":"a\"b","code":"bad_request","message":"line\nbreak"})");
}

TEST_CASE("serialize_welcome", "[server_message]") {
  CHECK(serialize_welcome("c1", kAgentJared, std::string("s3cr3t"), std::nullopt) ==
        R"({"type":"welcome","colony":"c1","agent":)" + kAgentJared + R"(,"token":"s3cr3t"})");
  CHECK(serialize_welcome("c1", kAgentJared, std::nullopt, std::string(R"("h1")")) ==
        R"({"type":"welcome","id":"h1","colony":"c1","agent":)" + kAgentJared + "}");
  auto with_ttl = serialize_welcome("c1", kAgentJared, std::nullopt, std::nullopt, 2000);
  CHECK(with_ttl == R"({"type":"welcome","colony":"c1","agent":)" + kAgentJared + R"(,"presence_ttl_ms":2000})");
  CHECK(expect_server_message(with_ttl).presence_ttl_ms == std::optional<std::uint64_t>(2000));
}

TEST_CASE("serialize_pong", "[server_message]") {
  CHECK(serialize_pong(1700000000999, std::string("7")) ==
        R"({"type":"pong","id":7,"ts":1700000000999})");
  CHECK(serialize_pong(0, std::nullopt) == R"({"type":"pong","ts":0})");
}

TEST_CASE("serialize_cloned", "[server_message]") {
  CHECK(serialize_cloned(kAgentClone, "clone-secret", std::nullopt) ==
        R"({"type":"cloned","agent":)" + kAgentClone + R"(,"token":"clone-secret"})");
  CHECK(serialize_cloned(kAgentClone, "t", std::string("9")) ==
        R"({"type":"cloned","id":9,"agent":)" + kAgentClone + R"(,"token":"t"})");
}

TEST_CASE("serialize_snapshot", "[server_message]") {
  CHECK(serialize_snapshot("c1", 0, "e0", {}, 1, std::nullopt) ==
        R"({"type":"snapshot","colony":"c1","seq":0,"epoch":"e0","agents":[],"parts":1})");
  std::vector<std::string> one{kAgentJared};
  CHECK(serialize_snapshot("c1", 42, "e1", one, 3, std::nullopt) ==
        R"({"type":"snapshot","colony":"c1","seq":42,"epoch":"e1","agents":[)" + kAgentJared + R"(],"parts":3})");
  std::vector<std::string> two{kAgentJared, kAgentClone};
  CHECK(serialize_snapshot("c1", 18446744073709551615ULL, "1733545843123456", two, 1, std::string(R"("w")")) ==
        R"({"type":"snapshot","id":"w","colony":"c1","seq":18446744073709551615,"epoch":"1733545843123456","agents":[)" +
            kAgentJared + "," + kAgentClone + R"(],"parts":1})");
}

TEST_CASE("serialize_snapshot_part", "[server_message]") {
  std::vector<std::string> two{kAgentJared, kAgentClone};
  CHECK(serialize_snapshot_part("c1", 42, 2, two) ==
        R"({"type":"snapshot_part","colony":"c1","seq":42,"part":2,"agents":[)" + kAgentJared + "," + kAgentClone + "]}");
}

TEST_CASE("serialize_resume", "[server_message]") {
  CHECK(serialize_resume("c1", 17, "e1", std::nullopt) ==
        R"({"type":"resume","colony":"c1","seq":17,"epoch":"e1"})");
  CHECK(serialize_resume("c1", 17, "e1", std::string("3")) ==
        R"({"type":"resume","id":3,"colony":"c1","seq":17,"epoch":"e1"})");
}

// ---- round trips ----------------------------------------------------------------------------

TEST_CASE("round trip: error", "[server_message][round_trip]") {
  const ServerMessage message = expect_server_message(
      serialize_ws_error("invalid_code", "Unknown, used or \"revoked\".\n", std::string("12")));
  CHECK(message.type == "error");
  CHECK(message.id_json == std::optional<std::string>("12"));
  CHECK(message.code == "invalid_code");
  CHECK(message.message == "Unknown, used or \"revoked\".\n");
  CHECK_FALSE(message.agent);
  CHECK(message.agents.empty());
}

TEST_CASE("round trip: welcome after onboard and after hello", "[server_message][round_trip]") {
  const ServerMessage onboarded =
      expect_server_message(serialize_welcome("c1", kAgentJared, std::string("tok"), std::nullopt));
  CHECK(onboarded.type == "welcome");
  CHECK_FALSE(onboarded.id_json);
  CHECK(onboarded.colony == "c1");
  CHECK(onboarded.token == std::optional<std::string>("tok"));
  REQUIRE(onboarded.agent);
  check_is_jared(*onboarded.agent);

  const ServerMessage said_hello = expect_server_message(
      serialize_welcome("c1", kAgentJared, std::nullopt, std::string(R"("x\u0041")")));
  CHECK(said_hello.id_json == std::optional<std::string>(R"("x\u0041")"));
  CHECK_FALSE(said_hello.token);
  REQUIRE(said_hello.agent);
  check_is_jared(*said_hello.agent);
}

TEST_CASE("round trip: pong", "[server_message][round_trip]") {
  const ServerMessage pong = expect_server_message(serialize_pong(-5, std::string("-0.5")));
  CHECK(pong.type == "pong");
  CHECK(pong.id_json == std::optional<std::string>("-0.5"));
  CHECK(pong.ts == -5);
}

TEST_CASE("round trip: cloned", "[server_message][round_trip]") {
  const ServerMessage cloned =
      expect_server_message(serialize_cloned(kAgentClone, "clone-token", std::nullopt));
  CHECK(cloned.type == "cloned");
  CHECK(cloned.token == std::optional<std::string>("clone-token"));
  REQUIRE(cloned.agent);
  check_is_clone(*cloned.agent);
}

TEST_CASE("round trip: snapshot and resume", "[server_message][round_trip]") {
  const std::vector<std::string> two{kAgentJared, kAgentClone};
  const ServerMessage snapshot = expect_server_message(serialize_snapshot("c1", 99, "e9", two, 4, std::string("1")));
  CHECK(snapshot.type == "snapshot");
  CHECK(snapshot.parts == 4);
  CHECK(snapshot.id_json == std::optional<std::string>("1"));
  CHECK(snapshot.colony == "c1");
  CHECK(snapshot.seq == 99);
  CHECK(snapshot.epoch == "e9");
  REQUIRE(snapshot.agents.size() == 2);
  check_is_jared(snapshot.agents[0]);
  check_is_clone(snapshot.agents[1]);

  const ServerMessage empty = expect_server_message(serialize_snapshot("c2", 0, "e", {}, 1, std::nullopt));
  CHECK(empty.colony == "c2");
  CHECK(empty.agents.empty());
  CHECK(empty.parts == 1);

  const ServerMessage part = expect_server_message(serialize_snapshot_part("c1", 99, 3, two));
  CHECK(part.type == "snapshot_part");
  CHECK(part.seq == 99);
  CHECK(part.part == 3);
  REQUIRE(part.agents.size() == 2);
  check_is_clone(part.agents[1]);

  const ServerMessage resume = expect_server_message(serialize_resume("c1", 18446744073709551615ULL,
                                                                      "e10", std::nullopt));
  CHECK(resume.type == "resume");
  CHECK(resume.epoch == "e10");
  CHECK(resume.colony == "c1");
  CHECK(resume.seq == 18446744073709551615ULL);
}

TEST_CASE("round trip: invite", "[server_message][round_trip]") {
  const Invite original = sample_invite();
  const std::optional<Invite> parsed = parse_invite(serialize_invite(original));
  REQUIRE(parsed);
  CHECK(parsed->code == original.code);
  CHECK(parsed->type == original.type);
  CHECK(parsed->colony == original.colony);
  CHECK(parsed->name == original.name);
  CHECK(parsed->status == original.status);
  CHECK(parsed->created_at == original.created_at);
  CHECK(parsed->redeemed_by == original.redeemed_by);
  CHECK(parsed->url == original.url);

  Invite unnamed = original;
  unnamed.name.reset();
  unnamed.redeemed_by.reset();
  unnamed.name = std::nullopt;
  const std::optional<Invite> parsed_unnamed = parse_invite(serialize_invite(unnamed));
  REQUIRE(parsed_unnamed);
  CHECK_FALSE(parsed_unnamed->name);
  CHECK_FALSE(parsed_unnamed->redeemed_by);
  // Serializing what was parsed gives the same bytes.
  CHECK(serialize_invite(*parsed_unnamed) == serialize_invite(unnamed));
}

TEST_CASE("round trip: text with every escape survives", "[server_message][round_trip]") {
  std::string text;
  for (int control = 0; control < 0x20; ++control) {
    text.push_back(static_cast<char>(control));
  }
  text += "\"\\/ caf\xC3\xA9 \xE2\x80\xA8\xE2\x80\xA9 \xF0\x9F\x98\x80";
  const ServerMessage message = expect_server_message(serialize_ws_error("x", text, std::nullopt));
  CHECK(message.message == text);
}

// ---- parsing what the Redis scripts build --------------------------------------------------

TEST_CASE("parse events", "[server_message_parser]") {
  const ServerMessage join = expect_server_message(
      R"({"type":"event","colony":"c1","seq":1,"epoch":"1733545843123456","ts":1700000000001,"event":"join","agent":)" +
      kAgentJared + R"(,"invite":"JCVCFB"})");
  CHECK(join.type == "event");
  CHECK(join.event == "join");
  CHECK(join.colony == "c1");
  CHECK(join.seq == 1);
  CHECK(join.epoch == "1733545843123456");
  CHECK(join.ts == 1700000000001);
  CHECK(join.invite == std::optional<std::string>("JCVCFB"));
  REQUIRE(join.agent);
  check_is_jared(*join.agent);

  const ServerMessage offline = expect_server_message(
      R"({"type":"event","colony":"c1","seq":2,"ts":5,"event":"offline","agent":)" + kAgentClone +
      R"(,"reason":"timeout"})");
  CHECK(offline.event == "offline");
  CHECK(offline.reason == std::optional<std::string>("timeout"));
  CHECK_FALSE(offline.invite);

  const ServerMessage clone = expect_server_message(
      R"({"type":"event","colony":"c1","seq":3,"ts":6,"event":"clone","agent":)" + kAgentClone +
      R"(,"source":"jared"})");
  CHECK(clone.source == std::optional<std::string>("jared"));

  const ServerMessage chat = expect_server_message(
      R"({"type":"event","colony":"c1","seq":4,"ts":7,"event":"chat","agent":)" + kAgentJared +
      R"(,"from":"jared","text":"hi \"all\"\n"})");
  CHECK(chat.event == "chat");
  CHECK(chat.from == std::optional<std::string>("jared"));
  CHECK(chat.text == std::optional<std::string>("hi \"all\"\n"));

  const ServerMessage update = expect_server_message(
      R"({"type":"event","colony":"c1","seq":5,"ts":8,"event":"update","agent":)"
      R"({"id":"a","colony":"c1","kind":"remote","status":"online","last_seen":8,"joined_at":1,)"
      R"("clone_of":null,"invite":null,"meta":{ "task" : "test", "n" : [1, 2] }}})");
  REQUIRE(update.agent);
  CHECK(update.agent->meta_json == R"({"task":"test","n":[1,2]})");
}

TEST_CASE("the parser tolerates unknown fields and any field order", "[server_message_parser]") {
  const ServerMessage message = expect_server_message(
      R"({"future":{"x":[1,2,{"y":null}]},"seq":7,"colony":"c1","type":"resume","v":2.5})");
  CHECK(message.type == "resume");
  CHECK(message.seq == 7);
  CHECK(message.colony == "c1");

  const std::optional<Agent> agent = parse_agent(
      R"({"meta":{},"joined_at":3,"status":"online","kind":"remote","colony":"c","id":"a",)"
      R"("new_field":"x"})");
  REQUIRE(agent);
  CHECK(agent->id == "a");
  CHECK(agent->joined_at == 3);
  CHECK_FALSE(agent->last_seen);
  CHECK(agent->meta_json == "{}");
}

TEST_CASE("parse_agent reads an AGENT object", "[server_message_parser]") {
  const std::optional<Agent> jared = parse_agent(kAgentJared);
  REQUIRE(jared);
  check_is_jared(*jared);
  const std::optional<Agent> clone = parse_agent(kAgentClone);
  REQUIRE(clone);
  check_is_clone(*clone);
}

TEST_CASE("parse_agent refuses malformed agents", "[server_message_parser]") {
  const std::string base = R"("colony":"c1","kind":"remote","status":"online","joined_at":1)";
  CHECK(parse_agent(R"({"id":"a",)" + base + "}"));
  CHECK_FALSE(parse_agent("{" + base + "}"));                                 // no id
  CHECK_FALSE(parse_agent(R"({"id":"a","kind":"remote","status":"online","joined_at":1})"));
  CHECK_FALSE(parse_agent(R"({"id":"a","colony":"c1","status":"online","joined_at":1})"));
  CHECK_FALSE(parse_agent(R"({"id":"a","colony":"c1","kind":"remote","joined_at":1})"));
  CHECK_FALSE(parse_agent(R"({"id":"a","colony":"c1","kind":"remote","status":"online"})"));
  CHECK_FALSE(parse_agent(R"({"id":1,)" + base + "}"));
  CHECK_FALSE(parse_agent(R"({"id":"a",)" + base + R"(,"last_seen":"now"})"));
  CHECK_FALSE(parse_agent(R"({"id":"a",)" + base + R"(,"last_seen":1.5})"));
  CHECK_FALSE(parse_agent(R"({"id":"a",)" + base + R"(,"clone_of":5})"));
  CHECK_FALSE(parse_agent(R"({"id":"a",)" + base + R"(,"meta":[]})"));
  CHECK_FALSE(parse_agent(R"({"id":"a",)" + base + R"(,"meta":null})"));
  CHECK_FALSE(parse_agent(R"({"id":"a",)" + base + R"(,"x":[1,,2]})"));
  CHECK_FALSE(parse_agent(R"({"id":"a",)" + base + "} {}"));
  CHECK_FALSE(parse_agent(R"([{"id":"a",)" + base + "}]"));
  CHECK_FALSE(parse_agent(""));
}

TEST_CASE("parse_invite refuses malformed invites", "[server_message_parser]") {
  CHECK(parse_invite(R"({"code":"A","type":"agent","colony":"c","status":"active",)"
                     R"("created_at":1,"url":"u"})"));
  CHECK_FALSE(parse_invite(R"({"type":"agent","colony":"c","status":"active",)"
                           R"("created_at":1,"url":"u"})"));
  CHECK_FALSE(parse_invite(R"({"code":"A","type":"agent","colony":"c","status":"active",)"
                           R"("url":"u"})"));
  CHECK_FALSE(parse_invite(R"({"code":"A","type":"agent","colony":"c","status":"active",)"
                           R"("created_at":"1","url":"u"})"));
  CHECK_FALSE(parse_invite(R"({"code":"A","type":"agent","colony":"c","status":"active",)"
                           R"("created_at":1,"url":"u","name":false})"));
  CHECK_FALSE(parse_invite("[]"));
}

TEST_CASE("parse_server_message refuses malformed frames", "[server_message_parser]") {
  for (const char* frame :
       {"", "{}", "[]", "1", "\"welcome\"", "null", R"({"type":1})", R"({"type":null})",
        R"({"colony":"c1"})", R"({"type":"pong",})", R"({"type":"pong"} {})",
        R"({"type":"pong"}})", R"({"type":"pong","ts":"1"})", R"({"type":"pong","ts":1.5})",
        R"({"type":"pong","ts":01})", R"({"type":"snapshot","seq":-1})",
        R"({"type":"snapshot","seq":18446744073709551616})", R"({"type":"snapshot","agents":{}})",
        R"({"type":"snapshot","agents":[{"id":"a"}]})", R"({"type":"welcome","agent":[]})",
        R"({"type":"welcome","agent":"a"})", R"({"type":"pong","id":{}})",
        R"({"type":"pong","id":null})", R"({"type":"error","code":5})",
        R"({"type":"error","message":null})", R"({"type":"event","reason":1})",
        R"({"type":"pong","x":tru})", R"({"type":"pong","x":"\ud800"})",
        "{\"type\":\"pong\",\"x\":\"\xC3(\"}", "{\"type\":\"pong\"}\xFF",
        "{\"type\":\"pong\",\"x\":\"a\nb\"}"}) {
    INFO("frame: " << frame);
    CHECK_FALSE(parse_server_message(frame));
  }
}

TEST_CASE("nullable fields of server messages accept null", "[server_message_parser]") {
  const ServerMessage message = expect_server_message(
      R"({"type":"welcome","colony":"c1","agent":null,"token":null,"reason":null})");
  CHECK_FALSE(message.agent);
  CHECK_FALSE(message.token);
  CHECK_FALSE(message.reason);
}

TEST_CASE("round trip: a request's id comes back in the reply", "[server_message][round_trip]") {
  ClientMessageParser parser;
  for (const char* id : {R"("abc")", "7", "-1.5e2", R"("q\"\u00e9")"}) {
    INFO("id " << id);
    const ParseResult request =
        parser.parse(std::string(R"({"type":"ping","id":)") + id + "}");
    REQUIRE(std::holds_alternative<ClientMessage>(request));
    const ClientMessage& ping = std::get<ClientMessage>(request);
    CHECK(ping.id_json == std::optional<std::string>(id));

    const std::string pong = serialize_pong(1, ping.id_json);
    CHECK(pong == std::string(R"({"type":"pong","id":)") + id + R"(,"ts":1})");
    CHECK(expect_server_message(pong).id_json == ping.id_json);
  }
}

TEST_CASE("round trip: a parse error becomes an error reply", "[server_message][round_trip]") {
  ClientMessageParser parser;
  const ParseResult request = parser.parse(R"({"type":"hello","id":"h1"})");
  REQUIRE(std::holds_alternative<ParseError>(request));
  const ParseError& error = std::get<ParseError>(request);
  const ServerMessage reply =
      expect_server_message(serialize_ws_error(error.code, error.message, error.id_json));
  CHECK(reply.type == "error");
  CHECK(reply.code == "bad_request");
  CHECK(reply.message == R"(hello needs a string "token")");
  CHECK(reply.id_json == std::optional<std::string>(R"("h1")"));
}
