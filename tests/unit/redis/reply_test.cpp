// Copying hiredis' reply trees, built here by hand, and the error replies made on this side.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "hub/redis/hiredis_reply.hpp"

namespace redis = mi::redis;
using Type = redis::Reply::Type;

namespace {

// A hiredis reply of a string-like type pointing into `text`, which must outlive it.
redisReply text_reply(int type, std::string& text) {
  redisReply reply{};
  reply.type = type;
  reply.str = text.data();
  reply.len = text.size();
  return reply;
}

redisReply array_reply(std::vector<redisReply*>& elements) {
  redisReply reply{};
  reply.type = REDIS_REPLY_ARRAY;
  reply.element = elements.data();
  reply.elements = elements.size();
  return reply;
}

}  // namespace

TEST_CASE("string, status and error replies are copied whole, NUL bytes included", "[reply]") {
  std::string bulk("a\0b\r\n\xff", 6);
  const auto string = redis::copy_reply(text_reply(REDIS_REPLY_STRING, bulk));
  CHECK(string.type == Type::string);
  CHECK(string.is_string());
  CHECK(string.str == bulk);
  CHECK(string.str.size() == 6);

  std::string ok = "OK";
  const auto status = redis::copy_reply(text_reply(REDIS_REPLY_STATUS, ok));
  CHECK(status.type == Type::status);
  CHECK(status.is_string());
  CHECK(status.str == "OK");

  std::string wrong = "WRONGTYPE Operation against a key holding the wrong kind of value";
  const auto error = redis::copy_reply(text_reply(REDIS_REPLY_ERROR, wrong));
  CHECK(error.is_error());
  CHECK_FALSE(error.is_string());
  CHECK(error.str == wrong);
}

TEST_CASE("integer and nil replies", "[reply]") {
  redisReply integer{};
  integer.type = REDIS_REPLY_INTEGER;
  integer.integer = -9007199254740993LL;
  const auto copied = redis::copy_reply(integer);
  CHECK(copied.is_integer());
  CHECK(copied.integer == -9007199254740993LL);

  redisReply nil{};
  nil.type = REDIS_REPLY_NIL;
  CHECK(redis::copy_reply(nil).is_nil());

  redisReply unknown{};
  unknown.type = 999;  // a type this hiredis does not have: nothing to copy
  CHECK(redis::copy_reply(unknown).is_nil());
}

TEST_CASE("nested arrays are copied in order, nil elements included", "[reply]") {
  // [7, ["x", "y"], nil, []]
  std::string x = "x", y = "y";
  redisReply seven{};
  seven.type = REDIS_REPLY_INTEGER;
  seven.integer = 7;
  redisReply rx = text_reply(REDIS_REPLY_STRING, x), ry = text_reply(REDIS_REPLY_STRING, y);
  std::vector<redisReply*> inner_elements{&rx, &ry};
  redisReply inner = array_reply(inner_elements);
  redisReply nil{};
  nil.type = REDIS_REPLY_NIL;
  std::vector<redisReply*> no_elements;
  redisReply empty = array_reply(no_elements);
  std::vector<redisReply*> outer_elements{&seven, &inner, &nil, &empty};
  const auto copied = redis::copy_reply(array_reply(outer_elements));

  REQUIRE(copied.is_array());
  REQUIRE(copied.elements.size() == 4);
  CHECK(copied.elements[0].integer == 7);
  REQUIRE(copied.elements[1].is_array());
  REQUIRE(copied.elements[1].elements.size() == 2);
  CHECK(copied.elements[1].elements[0].str == "x");
  CHECK(copied.elements[1].elements[1].str == "y");
  CHECK(copied.elements[2].is_nil());
  CHECK(copied.elements[3].is_array());
  CHECK(copied.elements[3].elements.empty());
}

TEST_CASE("make_error_reply builds an error reply", "[reply]") {
  const auto reply = redis::make_error_reply("ERR refused");
  CHECK(reply.is_error());
  CHECK(reply.str == "ERR refused");
  CHECK(reply.elements.empty());
}
