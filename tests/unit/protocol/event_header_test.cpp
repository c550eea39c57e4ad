#include <catch2/catch.hpp>

#include "protocol/event_header.hpp"

using mi::protocol::peek_event_header;

TEST_CASE("the seq, epoch and kind of an event are read from its head", "[event_header]") {
  auto header = peek_event_header(
      R"({"type":"event","colony":"c-1","seq":42,"epoch":"1733545843123456","ts":1700000000000,"event":"chat","agent":{"id":"a"},"text":"\"seq\":1,\"epoch\":\"x\""})");
  REQUIRE(header);
  CHECK(header->seq == 42);
  CHECK(header->epoch == "1733545843123456");
  CHECK(header->kind == "chat");
  auto big = peek_event_header(
      R"({"type":"event","colony":"c","seq":18446744073709551615,"epoch":"e","ts":1,"event":"join"})");
  REQUIRE(big);
  CHECK(big->seq == 18446744073709551615ull);
  CHECK(big->epoch == "e");
}

TEST_CASE("anything not shaped like a script-built event is refused", "[event_header]") {
  CHECK_FALSE(peek_event_header(""));
  CHECK_FALSE(peek_event_header(R"({"type":"welcome"})"));
  CHECK_FALSE(peek_event_header(R"({"type":"event","colony":"c","seq":x,"ts":1,"event":"join"})"));
  CHECK_FALSE(peek_event_header(R"({"type":"event","colony":"c","seq":1,"ts":1})"));
  CHECK_FALSE(peek_event_header(R"({"type":"event","colony":"c","seq":1,"epoch":"e","ts":1,"event":"jo)"));
  // Every event carries its epoch right after its seq; one without is not the scripts' event.
  CHECK_FALSE(peek_event_header(R"({"type":"event","colony":"c","seq":1,"ts":1,"event":"join"})"));
  CHECK_FALSE(peek_event_header(R"({"type":"event","colony":"c","seq":1,"epoch":"","ts":1,"event":"join"})"));
  CHECK_FALSE(peek_event_header(R"({"type":"event","colony":"c","seq":1,"epoch":"a\"b","ts":1,"event":"join"})"));
  CHECK_FALSE(peek_event_header(R"({"type":"event","colony":"c","seq":1,"epoch":"e)"));
}

TEST_CASE("the AGENT an event carries is read whole, braces in its meta's strings included", "[event_header]") {
  auto agent = mi::protocol::peek_event_agent(
      R"({"type":"event","colony":"c","seq":3,"epoch":"e","ts":1,"event":"update","agent":{"id":"jared-2","meta":{"note":"a } and a \" and {","list":[{"x":1}]}},"meta":{}})");
  REQUIRE(agent);
  CHECK(agent->id == "jared-2");
  CHECK(agent->json == R"({"id":"jared-2","meta":{"note":"a } and a \" and {","list":[{"x":1}]}})");
  auto offline = mi::protocol::peek_event_agent(
      R"({"type":"event","colony":"c","seq":4,"epoch":"e","ts":1,"event":"offline","agent":{"id":"a","status":"offline"},"reason":"closed"})");
  REQUIRE(offline);
  CHECK(offline->json == R"({"id":"a","status":"offline"})");
}

TEST_CASE("an event without an agent, or cut short, gives none", "[event_header]") {
  using mi::protocol::peek_event_agent;
  CHECK_FALSE(peek_event_agent(R"({"type":"event","colony":"c","seq":3,"epoch":"e","ts":1,"event":"chat","from":"a","text":"hi"})"));
  CHECK_FALSE(peek_event_agent(R"({"type":"event","colony":"c","seq":3,"epoch":"e","ts":1,"event":"join","agent":{"id":"a","meta":{"x":"}"})"));
  CHECK_FALSE(peek_event_agent(R"({"type":"event","colony":"c","seq":3,"epoch":"e","ts":1,"event":"join","agent":{"name":"a"}})"));
  CHECK(mi::protocol::agent_json_id(R"({"id":"x.y-1","status":"online"})") == "x.y-1");
  CHECK(mi::protocol::agent_json_id(R"({"status":"online"})").empty());
}
