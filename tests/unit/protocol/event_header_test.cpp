#include <catch2/catch.hpp>

#include "protocol/event_header.hpp"

using mi::protocol::peek_event_header;

TEST_CASE("the seq and kind of an event are read from its head", "[event_header]") {
  auto header = peek_event_header(
      R"({"type":"event","colony":"c-1","seq":42,"ts":1700000000000,"event":"chat","agent":{"id":"a"},"text":"\"seq\":1"})");
  REQUIRE(header);
  CHECK(header->seq == 42);
  CHECK(header->kind == "chat");
  auto big = peek_event_header(R"({"type":"event","colony":"c","seq":18446744073709551615,"ts":1,"event":"join"})");
  REQUIRE(big);
  CHECK(big->seq == 18446744073709551615ull);
}

TEST_CASE("anything not shaped like a script-built event is refused", "[event_header]") {
  CHECK_FALSE(peek_event_header(""));
  CHECK_FALSE(peek_event_header(R"({"type":"welcome"})"));
  CHECK_FALSE(peek_event_header(R"({"type":"event","colony":"c","seq":x,"ts":1,"event":"join"})"));
  CHECK_FALSE(peek_event_header(R"({"type":"event","colony":"c","seq":1,"ts":1})"));
  CHECK_FALSE(peek_event_header(R"({"type":"event","colony":"c","seq":1,"ts":1,"event":"jo)"));
}
