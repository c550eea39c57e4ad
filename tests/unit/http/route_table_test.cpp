// The route table's decisions, on the hub's own table: which route a path names, with which
// parameters, and what answers when the caller, the colony or the method does not fit.

#include <catch2/catch.hpp>

#include <string>
#include <string_view>

#include "hub/http/http_api.hpp"
#include "hub/http/route_table.hpp"

using namespace mi::hub;
using Verdict = RouteDecision::Verdict;
namespace http = boost::beast::http;

namespace {

RouteDecision decide(http::verb method, std::string_view path, bool caller_is_admin = true) {
  return decide_route(http_routes(), method, path, [caller_is_admin] { return caller_is_admin; });
}

std::string_view pattern_of(const RouteDecision& decision) {
  return decision.route != nullptr ? decision.route->pattern : std::string_view("<none>");
}

}  // namespace

TEST_CASE("a path with parameters names its route and gives their values", "[route_table]") {
  auto invites = decide(http::verb::get, "/v1/colonies/office-1/invites");
  CHECK(invites.verdict == Verdict::call);
  CHECK(pattern_of(invites) == "/v1/colonies/{colony}/invites");
  CHECK(invites.parameters["colony"] == "office-1");
  CHECK_FALSE(invites.parameters.find("code"));

  auto token = decide(http::verb::post, "/v1/colonies/c1/agents/jared-2/token");
  CHECK(token.verdict == Verdict::call);
  CHECK(pattern_of(token) == "/v1/colonies/{colony}/agents/{agent}/token");
  CHECK(token.parameters["colony"] == "c1");
  CHECK(token.parameters["agent"] == "jared-2");

  auto revoke = decide(http::verb::post, "/v1/invites/JCVCFB/revoke");
  CHECK(pattern_of(revoke) == "/v1/invites/{code}/revoke");
  CHECK(revoke.parameters["code"] == "JCVCFB");

  auto page = decide(http::verb::get, "/r/jcvcfb", false);
  CHECK(page.verdict == Verdict::call);
  CHECK(page.parameters["code"] == "jcvcfb");
}

TEST_CASE("each method of a path goes to its own handler", "[route_table]") {
  auto list = decide(http::verb::get, "/v1/colonies/c1/invites");
  auto create = decide(http::verb::post, "/v1/colonies/c1/invites");
  REQUIRE(list.verdict == Verdict::call);
  REQUIRE(create.verdict == Verdict::call);
  CHECK(list.route == create.route);
  CHECK(list.handler != create.handler);
}

TEST_CASE("a method the route does not take is refused with the ones it takes", "[route_table]") {
  auto wrong = decide(http::verb::delete_, "/v1/colonies/c1/invites");
  CHECK(wrong.verdict == Verdict::method_not_allowed);
  CHECK(wrong.allow == "GET, POST");
  CHECK(decide(http::verb::get, "/v1/invites/ABCDEF/revoke").allow == "POST");
  CHECK(decide(http::verb::post, "/v1/invites/ABCDEF").allow == "GET");
  CHECK(decide(http::verb::get, "/v1/colonies/c1/onboard-invite").allow == "POST");
  CHECK(decide(http::verb::put, "/v1/session").allow == "GET, POST");
  CHECK(decide(http::verb::get, "/v1/session/logout").allow == "POST");
  CHECK(decide(http::verb::post, "/healthz", false).allow == "GET");

  SECTION("the first route whose path matches decides, even when a later one takes the method") {
    auto agents = decide(http::verb::post, "/v1/colonies/c1/agents");
    CHECK(agents.verdict == Verdict::method_not_allowed);
    CHECK(agents.allow == "GET");
  }
  SECTION("HEAD is GET on the site's paths only") {
    CHECK(decide(http::verb::head, "/healthz", false).verdict == Verdict::call);
    CHECK(decide(http::verb::head, "/metrics", false).verdict == Verdict::call);
    CHECK(decide(http::verb::head, "/r/JCVCFB", false).verdict == Verdict::call);
    CHECK(decide(http::verb::head, "/v1/colonies/c1/agents").verdict == Verdict::method_not_allowed);
    CHECK(decide(http::verb::head, "/v1/session").allow == "GET, POST");
  }
  SECTION("some paths take every method") {
    CHECK(decide(http::verb::post, "/", false).verdict == Verdict::call);
    CHECK(decide(http::verb::delete_, "/v1/ws", false).verdict == Verdict::call);
  }
}

TEST_CASE("the API skips empty segments; the site's paths are exact", "[route_table]") {
  for (std::string_view path : {"/v1/colonies/c1/invites/", "//v1//colonies//c1//invites", "/v1/colonies/c1/invites//"}) {
    INFO(path);
    auto decision = decide(http::verb::get, path);
    CHECK(decision.verdict == Verdict::call);
    CHECK(pattern_of(decision) == "/v1/colonies/{colony}/invites");
    CHECK(decision.parameters["colony"] == "c1");
  }
  CHECK(pattern_of(decide(http::verb::get, "/v1/colonies/")) == "/v1/colonies");
  CHECK(pattern_of(decide(http::verb::get, "/r/JCVCFB/", false)) == "/r/{code}");

  CHECK(decide(http::verb::get, "/healthz", false).verdict == Verdict::call);
  for (std::string_view path : {"/healthz/", "//healthz", "/readyz/", "/metrics//"}) {
    INFO(path);
    CHECK(decide(http::verb::get, path, false).verdict == Verdict::not_found);
  }
  CHECK(decide(http::verb::get, "/", false).verdict == Verdict::call);
  CHECK(decide(http::verb::get, "//", false).verdict == Verdict::not_found);
  CHECK(decide(http::verb::get, "*", false).verdict == Verdict::not_found);
}

TEST_CASE("percent-encoded segments are matched and passed on undecoded", "[route_table]") {
  // %20 and %31 ('1') are not decoded: the colony id has a '%', which no colony id has.
  CHECK(decide(http::verb::post, "/v1/colonies/a%20b/invites").verdict == Verdict::bad_colony);
  CHECK(decide(http::verb::post, "/v1/colonies/c%31/invites").verdict == Verdict::bad_colony);
  auto code = decide(http::verb::get, "/v1/invites/AB%43DEF");
  CHECK(code.verdict == Verdict::call);
  CHECK(code.parameters["code"] == "AB%43DEF");
  CHECK(decide(http::verb::get, "/r/%3Cscript%3E", false).parameters["code"] == "%3Cscript%3E");
  // An escaped slash is no separator.
  CHECK(decide(http::verb::get, "/v1/colonies/c1%2Finvites").verdict == Verdict::not_found);
  CHECK(decide(http::verb::get, "/v1%2Fcolonies").verdict == Verdict::not_found);
}

TEST_CASE("the admin's routes refuse other callers before anything else", "[route_table]") {
  CHECK(decide(http::verb::get, "/v1/colonies/c1/invites", false).verdict == Verdict::unauthorized);
  CHECK(decide(http::verb::get, "/v1/colonies", false).verdict == Verdict::unauthorized);
  CHECK(decide(http::verb::get, "/v1/invites/ABCDEF", false).verdict == Verdict::unauthorized);
  CHECK(decide(http::verb::post, "/v1/invites/ABCDEF/revoke", false).verdict == Verdict::unauthorized);
  CHECK(decide(http::verb::post, "/v1/colonies/c1/agents/jared/token", false).verdict == Verdict::unauthorized);
  // Before the colony and the method are looked at.
  CHECK(decide(http::verb::delete_, "/v1/colonies/bad.colony/invites", false).verdict == Verdict::unauthorized);

  SECTION("the caller is looked at on the admin's routes only") {
    int asked = 0;
    auto ask = [&asked] {
      ++asked;
      return false;
    };
    decide_route(http_routes(), http::verb::get, "/healthz", ask);
    decide_route(http_routes(), http::verb::get, "/v1/session", ask);
    decide_route(http_routes(), http::verb::get, "/v1/invites/ABCDEF/nothing", ask);
    CHECK(asked == 0);
    decide_route(http_routes(), http::verb::get, "/v1/invites/ABCDEF", ask);
    CHECK(asked == 1);
  }
}

TEST_CASE("a bad colony is refused whatever the method, after the caller", "[route_table]") {
  for (std::string_view path : {"/v1/colonies/has.dot/invites", "/v1/colonies/semi;colon/agents",
                                "/v1/colonies/has.dot/agents/jared/token", "/v1/colonies/has.dot/nothing"}) {
    INFO(path);
    CHECK(decide(http::verb::delete_, path).verdict == Verdict::bad_colony);
  }
  auto longest = "/v1/colonies/" + std::string(64, 'a') + "/invites";
  CHECK(decide(http::verb::post, longest).verdict == Verdict::call);
  CHECK(decide(http::verb::post, "/v1/colonies/" + std::string(65, 'a') + "/invites").verdict == Verdict::bad_colony);
  // The agent id is the handler's to check (404, after the method).
  CHECK(decide(http::verb::post, "/v1/colonies/c1/agents/bad.name/token").verdict == Verdict::call);
  CHECK(decide(http::verb::get, "/v1/colonies/c1/agents/bad.name/token").verdict == Verdict::method_not_allowed);
  // An agent itself: DELETE only.
  CHECK(decide(http::verb::delete_, "/v1/colonies/c1/agents/jared").verdict == Verdict::call);
  const auto get_agent = decide(http::verb::get, "/v1/colonies/c1/agents/jared");
  CHECK(get_agent.verdict == Verdict::method_not_allowed);
  CHECK(get_agent.allow == "DELETE");
}

TEST_CASE("paths no route has", "[route_table]") {
  for (std::string_view path : {"/v1", "/v1/", "/v1/nothing", "/v1/colonies/c1", "/v1/colonies/c1/agents/jared/x",
                                "/v1/colonies/c1/other/jared/token", "/v1/invites", "/v1/invites/ABCDEF/nothing",
                                "/v1/session/other", "/nothing/here", "/admin", "/colonies/c1", "/assets/app.css"}) {
    INFO(path);
    auto decision = decide(http::verb::get, path);
    CHECK(decision.verdict == Verdict::not_found);
    CHECK(decision.route == nullptr);
  }
}

TEST_CASE("any other action on a valid colony is the admin's, then not found", "[route_table]") {
  auto unknown = decide(http::verb::get, "/v1/colonies/c1/unknown");
  CHECK(unknown.verdict == Verdict::call);
  CHECK(pattern_of(unknown) == "/v1/colonies/{colony}/{action}");
  CHECK(decide(http::verb::get, "/v1/colonies/c1/unknown", false).verdict == Verdict::unauthorized);
}

TEST_CASE("path_segments and is_api_path", "[route_table]") {
  using Segments = std::vector<std::string_view>;
  CHECK(path_segments("") == Segments{});
  CHECK(path_segments("/") == Segments{});
  CHECK(path_segments("//a/b/") == Segments{"a", "b"});
  CHECK(path_segments("/v1/colonies/{colony}") == Segments{"v1", "colonies", "{colony}"});
  CHECK(is_api_path("/v1/nothing"));
  CHECK(is_api_path("//v1"));
  CHECK_FALSE(is_api_path("/v10/x"));
  CHECK_FALSE(is_api_path("/healthz"));
}

TEST_CASE("a table of one's own follows the same rules", "[route_table]") {
  const std::vector<Route> routes = {
      {"/things/{id}", Access::anyone, Slashes::exact, {{Method::post, nullptr}, {Method::get_or_head, nullptr}}},
  };
  auto decision = decide_route(routes, http::verb::delete_, "/things/7", [] { return false; });
  CHECK(decision.verdict == Verdict::method_not_allowed);
  CHECK(decision.allow == "POST, GET");
  CHECK(decide_route(routes, http::verb::get, "/things/7/", [] { return false; }).verdict == Verdict::not_found);
  CHECK(decide_route(routes, http::verb::head, "/things/7", [] { return false; }).parameters["id"] == "7");
}

TEST_CASE("a colony's reads take the admin or a watcher of that colony, and no one else", "[route_table]") {
  const auto watcher_of = [](std::string_view colony) {
    return [colony](std::string_view asked) { return asked == colony; };
  };
  const auto admin = [] { return true; };
  const auto not_admin = [] { return false; };
  for (std::string_view path : {"/v1/colonies/c1/stats", "/v1/colonies/c1/chat", "/v1/colonies/c1/agents/jared/history"}) {
    INFO(path);
    CHECK(decide_route(http_routes(), http::verb::get, path, admin).verdict == Verdict::call);
    CHECK(decide_route(http_routes(), http::verb::get, path, not_admin, watcher_of("c1")).verdict == Verdict::call);
    CHECK(decide_route(http_routes(), http::verb::get, path, not_admin, watcher_of("c2")).verdict ==
          Verdict::unauthorized);
    CHECK(decide_route(http_routes(), http::verb::get, path, not_admin).verdict == Verdict::unauthorized);
    CHECK(decide_route(http_routes(), http::verb::post, path, not_admin, watcher_of("c1")).verdict ==
          Verdict::method_not_allowed);
  }
  auto history = decide(http::verb::get, "/v1/colonies/c1/agents/jared-2/history");
  CHECK(pattern_of(history) == "/v1/colonies/{colony}/agents/{agent}/history");
  CHECK(history.parameters["agent"] == "jared-2");
  // A watch token never opens the admin's own calls.
  CHECK(decide_route(http_routes(), http::verb::get, "/v1/colonies/c1/agents", not_admin, watcher_of("c1")).verdict ==
        Verdict::unauthorized);
}

TEST_CASE("whole-number query parameters: absent, in range, or bad", "[route_table][query]") {
  using mi::hub::number_parameter;
  auto absent = number_parameter("since=5", "limit", 1, 10);
  CHECK_FALSE(absent.bad);
  CHECK_FALSE(absent.value);
  CHECK(number_parameter("since=5&limit=10", "limit", 1, 10).value == std::optional<std::uint64_t>(10));
  CHECK(number_parameter("limit=1", "limit", 1, 10).value == std::optional<std::uint64_t>(1));
  for (const char* query : {"limit=0", "limit=11", "limit=", "limit", "limit=-1", "limit=2x", "limit=1.5"}) {
    INFO(query);
    CHECK(number_parameter(query, "limit", 1, 10).bad);
  }
}

TEST_CASE("the Bearer token of a request, if it has one", "[route_table][bearer]") {
  mi::hub::HttpRequest request;
  CHECK_FALSE(mi::hub::bearer_token(request));
  request.set(boost::beast::http::field::authorization, "Basic abc");
  CHECK_FALSE(mi::hub::bearer_token(request));
  request.set(boost::beast::http::field::authorization, "Bearer c1:jared:secret");
  CHECK(mi::hub::bearer_token(request) == std::optional<std::string_view>("c1:jared:secret"));
}
