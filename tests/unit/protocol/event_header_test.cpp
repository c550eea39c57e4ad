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
