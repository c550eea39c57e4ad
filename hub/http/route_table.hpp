#pragma once
// The HTTP routes as data, and the one decision that picks what answers a request: which route
// its path names, whether the caller may call it, whether its {colony} is a colony id, whether
// the route takes its method. The decision does no I/O and reads no clock, so that its rules are
// unit-tested alone (tests/unit/http/); hub/http/http_api.cpp holds the table and the handlers.

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/verb.hpp>

#include "hub/http/http_message.hpp"

namespace mi::hub {

class Shard;

// The values a request's path gave the {name} segments of its route's pattern. They are the raw
// segments, not percent-decoded: no parameter of the API needs an escape, and a colony id or an
// invite code with '%' in it is refused whole.
class PathParameters {
 public:
  void add(std::string_view name, std::string_view value) { values_.emplace_back(name, value); }
  // The value of {name}, or nothing when the pattern has no such parameter.
  std::optional<std::string_view> find(std::string_view name) const;
  // The value of {name}, which the route's pattern has.
  std::string_view operator[](std::string_view name) const { return find(name).value_or(std::string_view{}); }

 private:
  std::vector<std::pair<std::string_view, std::string_view>> values_;
};

// What a route's handler is given. All of it outlives the handler's coroutine.
struct RouteCall {
  Shard& shard;
  const HttpRequest& request;
  const PathParameters& path;
  std::string_view query;  // the target after '?', undecoded
  bool secure = false;     // the request came over HTTPS (the hub's TLS, or a trusted proxy's)
  std::string_view client_address;  // the TCP peer, or the client a trusted proxy names
};

using RouteHandler = boost::asio::awaitable<HttpResponse> (*)(const RouteCall& call);

// The requests a handler takes. HEAD is answered as GET without the body on the site's own paths
// (health, metrics, pages) only; the API's GET routes have always refused it.
enum class Method { get, get_or_head, post, http_delete, any };

enum class Access {
  anyone,
  admin,  // the admin token (Authorization: Bearer) or the admin pages' session cookie
  // The admin as above, or a watch token of the route's {colony} (Authorization: Bearer): the
  // colony's reads that a dashboard makes with the token it watches with.
  colony_reader,
};

enum class Slashes {
  exact,      // the path is written as the pattern is: "/healthz/" and "//healthz" are not "/healthz"
  tolerated,  // empty segments (doubled or trailing slashes) are skipped, as the API always did
};

struct MethodHandler {
  Method method;
  RouteHandler handler;
};

struct Route {
  // Literal segments and {parameters}, e.g. "/v1/colonies/{colony}/invites". Every {colony} must
  // be a colony id (400 bad_colony otherwise, whatever the method).
  std::string_view pattern;
  Access access;
  Slashes slashes;
  // In the order of a 405's Allow header.
  std::vector<MethodHandler> methods;
};

struct RouteDecision {
  enum class Verdict {
    call,                // call `handler` with `parameters`
    not_found,           // no route has this path
    unauthorized,        // the route is the admin's and the caller is not
    bad_colony,          // the path's {colony} is not a colony id
    method_not_allowed,  // the route takes only the methods `allow` lists
  };
  Verdict verdict = Verdict::not_found;
  const Route* route = nullptr;  // the route whose pattern matched, unless not_found
  RouteHandler handler = nullptr;
  PathParameters parameters;
  std::string allow;
};

// The value of `name` in a query string (RouteCall::query), undecoded: the API's parameters are
// plain numbers and words.
std::optional<std::string_view> query_parameter(std::string_view query, std::string_view name);

// A query parameter that must be a whole number within [min, max]: absent (no value, not bad),
// or its value, or bad.
struct NumberParameter {
  std::optional<std::uint64_t> value;
  bool bad = false;
};
NumberParameter number_parameter(std::string_view query, std::string_view name, std::uint64_t min, std::uint64_t max);

// The token of the request's "Authorization: Bearer <token>" header, if it has one.
std::optional<std::string_view> bearer_token(const HttpRequest& request);

// The path's segments between slashes, empty ones skipped: "//a/b/" is {"a", "b"}.
std::vector<std::string_view> path_segments(std::string_view path);

// Whether the path is under /v1, the API (whose 404 says so).
bool is_api_path(std::string_view path);

// The first route whose pattern matches `path` (the target without its query) answers; then, in
// this order: the admin's routes ask `caller_is_admin` (called for those only: it hashes), a
// colony reader's ask it and then `caller_watches` with the path's {colony}, a bad {colony} is
// refused, and the method must be one the route takes.
RouteDecision decide_route(std::span<const Route> routes, boost::beast::http::verb method, std::string_view path,
                           const std::function<bool()>& caller_is_admin,
                           const std::function<bool(std::string_view colony)>& caller_watches = {});

}  // namespace mi::hub
