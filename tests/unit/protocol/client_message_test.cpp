#include <catch2/catch.hpp>

#include <string>
#include <variant>

#include "protocol/client_message.hpp"

using namespace mi::protocol;

namespace {

ClientMessage expect_message(ClientMessageParser& parser, std::string_view frame) {
  ParseResult result = parser.parse(frame);
  if (const auto* error = std::get_if<ParseError>(&result)) {
    FAIL("unexpected " << error->code << " for " << frame << ": " << error->message);
  }
  return std::get<ClientMessage>(std::move(result));
}

ClientMessage expect_message(std::string_view frame) {
  ClientMessageParser parser;
  return expect_message(parser, frame);
}

template <typename Request>
Request expect_request(std::string_view frame) {
  ClientMessage message = expect_message(frame);
  REQUIRE(std::holds_alternative<Request>(message.request));
  return std::get<Request>(std::move(message.request));
}

ParseError expect_error(ClientMessageParser& parser, std::string_view frame) {
  ParseResult result = parser.parse(frame);
  if (std::holds_alternative<ClientMessage>(result)) {
    FAIL("expected an error for " << frame);
  }
  return std::get<ParseError>(std::move(result));
}

ParseError expect_error(std::string_view frame, ParseLimits limits = {}) {
  ClientMessageParser parser(limits);
  return expect_error(parser, frame);
}

void check_bad_json(std::string_view frame) {
  INFO("frame: " << frame);
  const ParseError error = expect_error(frame);
  CHECK(error.code == "bad_json");
  CHECK_FALSE(error.message.empty());
  CHECK_FALSE(error.id_json);
}

void check_bad_request(std::string_view frame, std::string_view message) {
  INFO("frame: " << frame);
  const ParseError error = expect_error(frame);
  CHECK(error.code == "bad_request");
  CHECK(error.message == message);
}

// A chat frame whose text is `body`, already written as JSON (escapes allowed).
std::string chat_frame(std::string_view body) {
  return R"({"type":"chat","text":")" + std::string(body) + R"("})";
}

std::string nested_arrays(int depth) {
  return std::string(static_cast<std::size_t>(depth), '[') +
         std::string(static_cast<std::size_t>(depth), ']');
}

constexpr std::string_view kTypeList =
    "onboard, hello, watch, heartbeat, ping, status, clone, chat";

}  // namespace

// ---- onboard --------------------------------------------------------------------------------

TEST_CASE("onboard with a code and a name", "[client_message]") {
  const auto onboard = expect_request<OnboardRequest>(
      R"({"type":"onboard","code":"JCVCFB","name":"jared"})");
  CHECK(onboard.code == "JCVCFB");
  REQUIRE(onboard.name);
  CHECK(*onboard.name == "jared");
}

TEST_CASE("onboard upper-cases the code without validating it", "[client_message]") {
  CHECK(expect_request<OnboardRequest>(R"({"type":"onboard","code":"jcVcfb"})").code == "JCVCFB");
  CHECK(expect_request<OnboardRequest>(R"({"type":"onboard","code":"ab-1 z"})").code == "AB-1 Z");
  CHECK(expect_request<OnboardRequest>(R"({"type":"onboard","code":""})").code.empty());
  // Only ASCII letters change case.
  CHECK(expect_request<OnboardRequest>("{\"type\":\"onboard\",\"code\":\"\xC3\xA9x\"}").code ==
        "\xC3\xA9X");
}

TEST_CASE("onboard without a name, or with a null name, has none", "[client_message]") {
  CHECK_FALSE(expect_request<OnboardRequest>(R"({"type":"onboard","code":"ABCDEF"})").name);
  CHECK_FALSE(
      expect_request<OnboardRequest>(R"({"type":"onboard","code":"ABCDEF","name":null})").name);
}

TEST_CASE("onboard errors", "[client_message]") {
  check_bad_request(R"({"type":"onboard"})", R"(onboard needs a string "code")");
  check_bad_request(R"({"type":"onboard","code":null})", R"(onboard needs a string "code")");
  check_bad_request(R"({"type":"onboard","code":123456})", R"(onboard needs a string "code")");
  check_bad_request(R"({"type":"onboard","code":["A"]})", R"(onboard needs a string "code")");
  check_bad_request(R"({"type":"onboard","code":"ABCDEF","name":7})",
                    R"(onboard "name" must be a string)");
  check_bad_request(R"({"type":"onboard","code":"ABCDEF","name":{}})",
                    R"(onboard "name" must be a string)");
  for (const char* name : {"Jared", "-jared", "", "ja red", "j\\u00e9"}) {
    check_bad_request(std::string(R"({"type":"onboard","code":"ABCDEF","name":")") + name + "\"}",
                      "name must match [a-z0-9][a-z0-9._-]{0,62}");
  }
  check_bad_request(R"({"type":"onboard","code":"ABCDEF","name":")" + std::string(64, 'a') + "\"}",
                    "name must match [a-z0-9][a-z0-9._-]{0,62}");
}

TEST_CASE("onboard fields are bounded by max_field_bytes", "[client_message]") {
  CHECK(expect_request<OnboardRequest>(R"({"type":"onboard","code":")" + std::string(512, 'a') +
                                       "\"}")
            .code == std::string(512, 'A'));
  check_bad_request(R"({"type":"onboard","code":")" + std::string(513, 'a') + "\"}",
                    R"("code" is longer than 512 bytes)");
  check_bad_request(R"({"type":"onboard","code":"A","name":")" + std::string(513, 'a') + "\"}",
                    R"("name" is longer than 512 bytes)");
}

// ---- hello ----------------------------------------------------------------------------------

TEST_CASE("hello carries a token, unescaped", "[client_message]") {
  CHECK(expect_request<HelloRequest>(R"({"type":"hello","token":"s3cr3t"})").token == "s3cr3t");
  CHECK(expect_request<HelloRequest>(R"({"type":"hello","token":"a\"b\\c\u0041"})").token ==
        "a\"b\\cA");
  CHECK(expect_request<HelloRequest>(R"({"type":"hello","token":""})").token.empty());
}

TEST_CASE("hello errors", "[client_message]") {
  check_bad_request(R"({"type":"hello"})", R"(hello needs a string "token")");
  check_bad_request(R"({"type":"hello","token":42})", R"(hello needs a string "token")");
  check_bad_request(R"({"type":"hello","token":true})", R"(hello needs a string "token")");
  check_bad_request(R"({"type":"hello","token":")" + std::string(513, 't') + "\"}",
                    R"("token" is longer than 512 bytes)");
}

// ---- watch ----------------------------------------------------------------------------------

TEST_CASE("watch with and without since", "[client_message]") {
  const auto plain = expect_request<WatchRequest>(R"({"type":"watch","colony":"c1","token":"t"})");
  CHECK(plain.colony == "c1");
  CHECK(plain.token == "t");
  CHECK_FALSE(plain.since);

  const auto resumed =
      expect_request<WatchRequest>(R"({"since":41,"token":"t","colony":"Co_l-1","type":"watch"})");
  CHECK(resumed.colony == "Co_l-1");
  REQUIRE(resumed.since);
  CHECK(*resumed.since == 41);

  CHECK(expect_request<WatchRequest>(R"({"type":"watch","colony":"c","token":"t","since":0})")
            .since == std::optional<std::uint64_t>(0));
  CHECK(expect_request<WatchRequest>(
            R"({"type":"watch","colony":"c","token":"t","since":18446744073709551615})")
            .since == std::optional<std::uint64_t>(18446744073709551615ULL));
  CHECK_FALSE(
      expect_request<WatchRequest>(R"({"type":"watch","colony":"c","token":"t","since":null})")
          .since);
  CHECK_FALSE(plain.epoch);
}

TEST_CASE("watch with since and the epoch it belongs to", "[client_message]") {
  const auto resumed = expect_request<WatchRequest>(
      R"({"type":"watch","colony":"c1","token":"t","since":41,"epoch":"1733545843123456"})");
  CHECK(resumed.since == std::optional<std::uint64_t>(41));
  CHECK(resumed.epoch == std::optional<std::string>("1733545843123456"));
  CHECK_FALSE(expect_request<WatchRequest>(R"({"type":"watch","colony":"c1","token":"t","epoch":null})").epoch);
  // An epoch without since is kept as given; the hub answers such a watch with a snapshot.
  CHECK(expect_request<WatchRequest>(R"({"type":"watch","colony":"c1","token":"t","epoch":"e"})").epoch ==
        std::optional<std::string>("e"));
}

TEST_CASE("watch errors", "[client_message]") {
  for (const char* epoch : {"1", "true", "[\"e\"]", "{}"}) {
    check_bad_request(std::string(R"({"type":"watch","colony":"c1","token":"t","since":1,"epoch":)") + epoch + "}",
                      R"(watch "epoch" must be a string)");
  }
  check_bad_request(R"({"type":"watch","colony":"c1","token":"t","epoch":")" + std::string(513, 'e') + "\"}",
                    R"("epoch" is longer than 512 bytes)");
  check_bad_request(R"({"type":"watch","token":"t"})", R"(watch needs a string "colony")");
  check_bad_request(R"({"type":"watch","colony":1,"token":"t"})", R"(watch needs a string "colony")");
  check_bad_request(R"({"type":"watch","colony":"c1"})", R"(watch needs a string "token")");
  check_bad_request(R"({"type":"watch","colony":"c1","token":null})",
                    R"(watch needs a string "token")");
  for (const char* colony : {"", "a.b", "a b", "a/b"}) {
    check_bad_request(std::string(R"({"type":"watch","token":"t","colony":")") + colony + "\"}",
                      "colony must match [A-Za-z0-9_-]{1,64}");
  }
  check_bad_request(R"({"type":"watch","token":"t","colony":")" + std::string(65, 'c') + "\"}",
                    "colony must match [A-Za-z0-9_-]{1,64}");
  for (const char* since : {"-1", "1.5", "1e3", "18446744073709551616", "\"5\"", "true", "[1]"}) {
    check_bad_request(
        std::string(R"({"type":"watch","colony":"c1","token":"t","since":)") + since + "}",
        R"(watch "since" must be an unsigned integer)");
  }
}

// ---- messages without fields ----------------------------------------------------------------

TEST_CASE("heartbeat, ping and clone", "[client_message]") {
  expect_request<HeartbeatRequest>(R"({"type":"heartbeat"})");
  expect_request<CloneRequest>(R"({"type":"clone"})");
  const ClientMessage ping = expect_message(R"({"type":"ping","id":7})");
  CHECK(std::holds_alternative<PingRequest>(ping.request));
  CHECK(ping.id_json == std::optional<std::string>("7"));
  CHECK_FALSE(expect_message(R"({"type":"ping"})").id_json);
}

// ---- status ---------------------------------------------------------------------------------

TEST_CASE("status keeps meta minified", "[client_message]") {
  const auto status = expect_request<StatusRequest>(
      "{ \"type\" : \"status\" , \"meta\" : {\n"
      "  \"task\" : \"build\",\n"
      "  \"numbers\" : [ 1 , -2.5e3 , 0 , 1E400 ],\n"
      "  \"flags\" : [ true , false , null ],\n"
      "  \"nested\" : { \"a\" : { } , \"b\" : [ ] },\n"
      "  \"text\" : \"caf\\u00e9 \\\"q\\\" \\n \\/\"\n"
      "} }");
  CHECK(status.meta_json ==
        "{\"task\":\"build\",\"numbers\":[1,-2.5e3,0,1E400],\"flags\":[true,false,null],"
        "\"nested\":{\"a\":{},\"b\":[]},\"text\":\"caf\xC3\xA9 \\\"q\\\" \\n /\"}");
  CHECK(expect_request<StatusRequest>(R"({"type":"status","meta":{}})").meta_json == "{}");
}

TEST_CASE("status meta keys are re-escaped", "[client_message]") {
  CHECK(expect_request<StatusRequest>(R"({"type":"status","meta":{"a\u0062\n":1}})").meta_json ==
        R"({"ab\n":1})");
}

TEST_CASE("status errors", "[client_message]") {
  check_bad_request(R"({"type":"status"})", R"(status needs an object "meta")");
  check_bad_request(R"({"type":"status","meta":null})", R"(status needs an object "meta")");
  check_bad_request(R"({"type":"status","meta":[]})", R"(status needs an object "meta")");
  check_bad_request(R"({"type":"status","meta":"{}"})", R"(status needs an object "meta")");
}

TEST_CASE("status meta is bounded once minified", "[client_message]") {
  // {"k":"<v>"} is 8 bytes around the value.
  const std::string fits = R"({"type":"status","meta":{"k":")" + std::string(1016, 'v') + "\"}}";
  CHECK(expect_request<StatusRequest>(fits).meta_json.size() == 1024);

  const std::string padded = R"({"type":"status","meta":{  "k"  :  ")" + std::string(1016, 'v') +
                             "\"        }}";
  CHECK(expect_request<StatusRequest>(padded).meta_json.size() == 1024);

  check_bad_request(R"({"type":"status","meta":{"k":")" + std::string(1017, 'v') + "\"}}",
                    R"("meta" is longer than 1024 bytes once minified)");
}

// ---- chat -----------------------------------------------------------------------------------

TEST_CASE("chat carries text, unescaped", "[client_message]") {
  CHECK(expect_request<ChatRequest>(chat_frame("hello all")).text == "hello all");
  CHECK(expect_request<ChatRequest>(chat_frame(R"(line\nnext \"q\" \ud83d\ude00)")).text ==
        "line\nnext \"q\" \xF0\x9F\x98\x80");
}

TEST_CASE("chat errors", "[client_message]") {
  check_bad_request(R"({"type":"chat"})", R"(chat needs a string "text")");
  check_bad_request(R"({"type":"chat","text":5})", R"(chat needs a string "text")");
  check_bad_request(chat_frame(""), R"(chat "text" must not be empty)");
}

TEST_CASE("chat text is bounded in unescaped bytes", "[client_message]") {
  CHECK(expect_request<ChatRequest>(chat_frame(std::string(4096, 'x'))).text.size() == 4096);
  check_bad_request(chat_frame(std::string(4097, 'x')), R"("text" is longer than 4096 bytes)");

  // 2048 escaped e-acutes are 12288 bytes of JSON but 4096 bytes of text.
  std::string escaped;
  for (int i = 0; i < 2048; ++i) {
    escaped += "\\u00e9";
  }
  CHECK(expect_request<ChatRequest>(chat_frame(escaped)).text.size() == 4096);
  check_bad_request(chat_frame(escaped + "x"), R"("text" is longer than 4096 bytes)");
}

// ---- ids ------------------------------------------------------------------------------------

TEST_CASE("ids keep their exact JSON text", "[client_message][id]") {
  CHECK(expect_message(R"({"type":"ping","id":"abc"})").id_json ==
        std::optional<std::string>(R"("abc")"));
  CHECK(expect_message(R"({"type":"ping","id":7})").id_json == std::optional<std::string>("7"));
  CHECK(expect_message(R"({"type":"ping","id":-1.5e2})").id_json ==
        std::optional<std::string>("-1.5e2"));
  CHECK(expect_message(R"({"type":"ping","id":"a\"b\u0041"})").id_json ==
        std::optional<std::string>(R"("a\"b\u0041")"));
  CHECK(expect_message(R"({"type":"ping","id":""})").id_json == std::optional<std::string>(R"("")"));
  CHECK(expect_message("{ \"id\" : 7 \n, \"type\" : \"ping\" }").id_json ==
        std::optional<std::string>("7"));
  CHECK(expect_message("{\"type\":\"ping\",\"id\":\"x\"\t\r\n }").id_json ==
        std::optional<std::string>(R"("x")"));
}

TEST_CASE("ids of other types are refused", "[client_message][id]") {
  for (const char* id : {"{}", "[]", "[1]", "true", "false", "null", R"({"a":1})"}) {
    INFO("id " << id);
    const ParseError error = expect_error(std::string(R"({"type":"ping","id":)") + id + "}");
    CHECK(error.code == "bad_request");
    CHECK(error.message == R"("id" must be a string or a number)");
    CHECK_FALSE(error.id_json);
  }
}

TEST_CASE("a bad request names its type when it was a string", "[client_message]") {
  CHECK(expect_error(R"({"type":"hello"})").type == "hello");
  CHECK(expect_error(R"({"type":"status","id":null})").type == "status");
  CHECK(expect_error(R"({"type":"teleport"})").type == "teleport");
  CHECK(expect_error(R"({"type":5})").type.empty());
  CHECK(expect_error(R"({"id":1})").type.empty());
}

TEST_CASE("ids are bounded by max_field_bytes", "[client_message][id]") {
  const std::string fitting_id = "\"" + std::string(510, 'i') + "\"";
  CHECK(expect_message(R"({"type":"ping","id":)" + fitting_id + "}").id_json == fitting_id);
  const ParseError error =
      expect_error(R"({"type":"ping","id":")" + std::string(511, 'i') + "\"}");
  CHECK(error.code == "bad_request");
  CHECK(error.message == R"("id" is longer than 512 bytes)");
  CHECK_FALSE(error.id_json);
}

TEST_CASE("an id too long is not echoed with bad_json either", "[client_message][id]") {
  const std::string long_id = "\"" + std::string(511, 'i') + "\"";
  for (const std::string& frame : {R"({"id":)" + long_id + R"(,"type":"ping",})",
                                   R"({"type":"ping","id":)" + long_id + "} {}"}) {
    INFO("frame: " << frame);
    const ParseError error = expect_error(frame);
    CHECK(error.code == "bad_json");
    CHECK_FALSE(error.id_json);
  }
  const ParseError fitting = expect_error(R"({"id":"i","type":"ping",})", {.max_field_bytes = 3});
  CHECK(fitting.id_json == std::optional<std::string>(R"("i")"));
  CHECK_FALSE(expect_error(R"({"id":"ii","type":"ping",})", {.max_field_bytes = 3}).id_json);
}

TEST_CASE("errors echo the id of every kind", "[client_message][id]") {
  const ParseError string_id = expect_error(R"({"id":"req-1","type":"hello"})");
  CHECK(string_id.code == "bad_request");
  CHECK(string_id.id_json == std::optional<std::string>(R"("req-1")"));

  const ParseError number_id = expect_error(R"({"type":"jump","id":12})");
  CHECK(number_id.code == "bad_request");
  CHECK(number_id.id_json == std::optional<std::string>("12"));

  const ParseError without_type = expect_error(R"({"id":3.25})");
  CHECK(without_type.id_json == std::optional<std::string>("3.25"));

  // Read before the JSON broke: still echoed.
  const ParseError broken = expect_error(R"({"id":"b","type":"ping",})");
  CHECK(broken.code == "bad_json");
  CHECK(broken.id_json == std::optional<std::string>(R"("b")"));

  CHECK_FALSE(expect_error(R"({"type":"hello"})").id_json);
}

// ---- type -----------------------------------------------------------------------------------

TEST_CASE("type is required, must be a string and known", "[client_message]") {
  const std::string needs_type =
      std::string(R"(a message needs a string "type", one of: )") + std::string(kTypeList);
  check_bad_request("{}", needs_type);
  check_bad_request(R"({"text":"hi"})", needs_type);
  check_bad_request(R"({"type":1})", needs_type);
  check_bad_request(R"({"type":null})", needs_type);
  check_bad_request(R"({"type":["ping"]})", needs_type);
  check_bad_request(R"({"type":"jump"})",
                    R"(unknown type "jump" (the types are: )" + std::string(kTypeList) + ")");
  check_bad_request(R"({"type":"PING"})",
                    R"(unknown type "PING" (the types are: )" + std::string(kTypeList) + ")");
  check_bad_request(R"({"type":""})",
                    R"(unknown type "" (the types are: )" + std::string(kTypeList) + ")");
  // An oversized type is not echoed back.
  check_bad_request(R"({"type":")" + std::string(600, 't') + "\"}",
                    "unknown type (the types are: " + std::string(kTypeList) + ")");
}

TEST_CASE("keys are compared unescaped", "[client_message]") {
  expect_request<PingRequest>(R"({"typ\u0065":"ping"})");
  expect_request<PingRequest>(R"({"type":"p\u0069ng"})");
}

TEST_CASE("unknown fields are ignored", "[client_message]") {
  const auto hello = expect_request<HelloRequest>(
      R"({"v":2,"type":"hello","extra":{"deep":[1,{"x":null}],"s":"\u00e9"},"token":"t","z":[]})");
  CHECK(hello.token == "t");
  // A field known to another type is ignored too, whatever its JSON type.
  expect_request<PingRequest>(R"({"type":"ping","code":5,"meta":"m","since":-3,"text":{}})");
}

TEST_CASE("a key given twice keeps its last value", "[client_message]") {
  CHECK(expect_request<HelloRequest>(R"({"type":"hello","token":"a","token":"b"})").token == "b");
  CHECK(expect_request<HelloRequest>(R"({"type":"ping","type":"hello","token":"t"})").token == "t");
  CHECK(expect_request<OnboardRequest>(R"({"type":"onboard","code":5,"code":"abc"})").code ==
        "ABC");
  check_bad_request(R"({"type":"onboard","code":"abc","code":5})",
                    R"(onboard needs a string "code")");
  CHECK(expect_message(R"({"id":1,"type":"ping","id":"x"})").id_json ==
        std::optional<std::string>(R"("x")"));
  CHECK(expect_request<StatusRequest>(R"({"type":"status","meta":{"a":1},"meta":{"b":2}})")
            .meta_json == R"({"b":2})");
}

// ---- malformed frames -----------------------------------------------------------------------

TEST_CASE("frames that are not JSON get bad_json", "[client_message][bad_json]") {
  for (const char* frame :
       {"", "   ", "{", "}", "not json", "{type:\"ping\"}", "{'type':'ping'}",
        R"({"type":"ping",})", R"({"type":"ping" "id":1})", R"({"type" "ping"})", R"({,})",
        R"({"type":"ping")", R"({"type":"ping"]})", R"({"type":"pi)", R"({"type":"ping"}})",
        R"({"type":"ping"} {})", R"({"type":"ping"} x)", R"({"type":"ping"} 1)",
        R"({"type":"ping"}{"type":"ping"})"}) {
    check_bad_json(frame);
  }
}

TEST_CASE("JSON that is not an object gets bad_json", "[client_message][bad_json]") {
  for (const char* frame :
       {"[]", "1", "-2.5", "\"x\"", "null", "true", "false", R"([{"type":"ping"}])"}) {
    INFO("frame: " << frame);
    const ParseError error = expect_error(frame);
    CHECK(error.code == "bad_json");
    CHECK(error.message == "a frame must be one JSON object");
  }
}

TEST_CASE("malformed values anywhere get bad_json", "[client_message][bad_json]") {
  for (const char* field :
       {"[1,,2]", "[1 2]", "[1,]", "01", "-", "1.", ".5", "1e", "+1", "0x10", "tru", "truex",
        "nul", "nulll", "fals", "{\"a\" 1}", "{\"a\":1,}", "{1:2}", "\"\\x\"", "\"\\u12\"",
        "\"\\ud800\"", "\"\\udc00\"", "\"\\ud800\\u0041\"", "NaN", "Infinity", "undefined"}) {
    check_bad_json(std::string(R"({"type":"ping","unknown":)") + field + "}");
    check_bad_json(std::string(R"({"type":"ping","unknown":[0,{"x":)") + field + "}]}");
    check_bad_json(std::string(R"({"type":"status","meta":{"m":)") + field + "}}");
  }
  check_bad_json(R"({"type":"watch","colony":"c","token":"t","since":01})");
  check_bad_json(R"({"type":"chat","text":"\ud800"})");
  check_bad_json(R"({"type":"ping","id":01})");
  check_bad_json(R"({"type":"ping","id":"\q"})");
  check_bad_json(R"({"type":"ping","\ud800":1})");
}

TEST_CASE("raw control characters inside strings get bad_json", "[client_message][bad_json]") {
  for (int control = 0; control < 0x20; ++control) {
    check_bad_json(chat_frame(std::string(1, static_cast<char>(control))));
  }
}

TEST_CASE("invalid UTF-8 gets bad_json", "[client_message][bad_json]") {
  for (const char* bytes : {"\x80", "\xC3(", "\xC0\xAF", "\xE0\x80\xAF", "\xED\xA0\x80",
                            "\xF4\x90\x80\x80", "\xFF", "\xC3"}) {
    const ParseError in_string = expect_error(chat_frame(bytes));
    CHECK(in_string.code == "bad_json");
    CHECK(in_string.message == "the frame is not valid UTF-8");
    CHECK(expect_error(std::string(R"({"type":"ping"})") + bytes).code == "bad_json");
    CHECK(expect_error(std::string(R"({"type":"ping",)") + bytes + R"(:1})").code == "bad_json");
  }
}

TEST_CASE("nesting is bounded", "[client_message][bad_json]") {
  expect_request<PingRequest>(R"({"type":"ping","deep":)" + nested_arrays(64) + "}");
  const ParseError error = expect_error(R"({"type":"ping","deep":)" + nested_arrays(65) + "}");
  CHECK(error.code == "bad_json");
  CHECK(error.message == "the frame nests arrays or objects more than 64 levels deep");
  check_bad_json(R"({"type":"ping","deep":)" + nested_arrays(100000) + "}");
}

// ---- the parser object ----------------------------------------------------------------------

TEST_CASE("one parser serves many frames of any size", "[client_message]") {
  ClientMessageParser parser;
  const std::string big_chat = chat_frame(std::string(4000, 'b'));
  CHECK(std::get<ChatRequest>(expect_message(parser, big_chat).request).text ==
        std::string(4000, 'b'));
  // A shorter frame after a longer one must not see the longer one's leftover bytes.
  CHECK(std::holds_alternative<PingRequest>(expect_message(parser, R"({"type":"ping"})").request));
  CHECK(expect_error(parser, R"({"type":"ping")").code == "bad_json");
  CHECK(expect_error(parser, "").code == "bad_json");
  const ClientMessage hello = expect_message(parser, R"({"type":"hello","token":"t","id":"h"})");
  CHECK(std::get<HelloRequest>(hello.request).token == "t");
  CHECK(hello.id_json == std::optional<std::string>(R"("h")"));
  for (int round = 0; round < 100; ++round) {
    const std::string frame = R"({"type":"ping","id":)" + std::to_string(round) + "}";
    CHECK(expect_message(parser, frame).id_json == std::to_string(round));
  }
}

TEST_CASE("a frame's answer does not depend on the frames read before it", "[client_message]") {
  // simdjson reads the padding after a frame; a '}' left there by a longer frame made it report
  // another error for the same frame.
  const std::string frame = "{}{{}";
  const std::string expected = expect_error(frame).message;
  CHECK(expected == "the frame holds more than one JSON value");
  ClientMessageParser parser;
  expect_error(parser, frame + std::string(100, '}'));
  CHECK(expect_error(parser, frame).message == expected);
}

TEST_CASE("a frame is read within its bounds only", "[client_message]") {
  const std::string buffer = R"({"type":"ping"}{"type":"hello"})";
  ClientMessageParser parser;
  CHECK(std::holds_alternative<PingRequest>(
      expect_message(parser, std::string_view(buffer).substr(0, 15)).request));
  CHECK(expect_error(parser, std::string_view(buffer).substr(0, 14)).code == "bad_json");
}

TEST_CASE("limits are configurable", "[client_message]") {
  const ParseLimits small{.max_meta_bytes = 10, .max_chat_bytes = 3, .max_field_bytes = 4};
  ClientMessageParser parser(small);
  CHECK(std::get<ChatRequest>(expect_message(parser, chat_frame("abc")).request).text == "abc");
  CHECK(expect_error(parser, chat_frame("abcd")).message == R"("text" is longer than 3 bytes)");
  CHECK(expect_error(parser, R"({"type":"hello","token":"abcde"})").message ==
        R"("token" is longer than 4 bytes)");
  CHECK(std::get<StatusRequest>(
            expect_message(parser, R"({"type":"status","meta":{"a":1234}})").request)
            .meta_json == R"({"a":1234})");
  CHECK(expect_error(parser, R"({"type":"status","meta":{"a":12345}})").message ==
        R"("meta" is longer than 10 bytes once minified)");
}

TEST_CASE("request_type_name names every request", "[client_message]") {
  CHECK(request_type_name(OnboardRequest{}) == "onboard");
  CHECK(request_type_name(HelloRequest{}) == "hello");
  CHECK(request_type_name(WatchRequest{}) == "watch");
  CHECK(request_type_name(HeartbeatRequest{}) == "heartbeat");
  CHECK(request_type_name(PingRequest{}) == "ping");
  CHECK(request_type_name(StatusRequest{}) == "status");
  CHECK(request_type_name(CloneRequest{}) == "clone");
  CHECK(request_type_name(ChatRequest{}) == "chat");
}

TEST_CASE("every request type name parses back to its request", "[client_message]") {
  ClientMessageParser parser;
  const std::vector<std::string> frames = {
      R"({"type":"onboard","code":"ABCDEF"})", R"({"type":"hello","token":"t"})",
      R"({"type":"watch","colony":"c","token":"t"})", R"({"type":"heartbeat"})",
      R"({"type":"ping"})", R"({"type":"status","meta":{}})", R"({"type":"clone"})",
      R"({"type":"chat","text":"x"})"};
  const std::vector<std::string_view> names = {"onboard", "hello",  "watch", "heartbeat",
                                               "ping",    "status", "clone", "chat"};
  for (std::size_t index = 0; index < frames.size(); ++index) {
    CHECK(request_type_name(expect_message(parser, frames[index]).request) == names[index]);
  }
}
