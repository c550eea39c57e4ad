#include "hub/http/route_table.hpp"

#include <charconv>

#include <boost/beast/http/field.hpp>

#include "protocol/validation.hpp"

namespace mi::hub {

namespace http = boost::beast::http;

namespace {

bool is_parameter(std::string_view segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

std::string_view parameter_name(std::string_view segment) { return segment.substr(1, segment.size() - 2); }

// Takes the next segment off `rest`, skipping empty ones; empty once there is none.
std::string_view next_segment(std::string_view& rest) {
  auto start = rest.find_first_not_of('/');
  if (start == std::string_view::npos) {
    rest = {};
    return {};
  }
  rest.remove_prefix(start);
  auto segment = rest.substr(0, rest.find('/'));
  rest.remove_prefix(segment.size());
  return segment;
}

// Written as a pattern is: from the root, no empty segment, no trailing slash but the root's.
bool written_plainly(std::string_view path) {
  return path.starts_with('/') && path.find("//") == std::string_view::npos &&
         (path.size() == 1 || !path.ends_with('/'));
}

std::optional<PathParameters> match(const Route& route, std::string_view path) {
  if (route.slashes == Slashes::exact && !written_plainly(path)) return std::nullopt;
  PathParameters parameters;
  std::string_view pattern_rest = route.pattern;
  std::string_view path_rest = path;
  for (;;) {
    auto expected = next_segment(pattern_rest);
    auto actual = next_segment(path_rest);
    if (expected.empty() || actual.empty()) {
      if (expected.empty() && actual.empty()) return parameters;
      return std::nullopt;
    }
    if (is_parameter(expected)) {
      parameters.add(parameter_name(expected), actual);
    } else if (expected != actual) {
      return std::nullopt;
    }
  }
}

bool takes(Method method, http::verb verb) {
  switch (method) {
    case Method::get: return verb == http::verb::get;
    case Method::get_or_head: return verb == http::verb::get || verb == http::verb::head;
    case Method::post: return verb == http::verb::post;
    case Method::http_delete: return verb == http::verb::delete_;
    case Method::any: return true;
  }
  return false;
}

std::string_view allow_name(Method method) {
  switch (method) {
    case Method::get:
    case Method::get_or_head: return "GET";
    case Method::post: return "POST";
    case Method::http_delete: return "DELETE";
    case Method::any: break;
  }
  return {};
}

std::string allow_header(const Route& route) {
  std::string allow;
  for (const auto& method : route.methods) {
    if (!allow.empty()) allow += ", ";
    allow += allow_name(method.method);
  }
  return allow;
}

}  // namespace

std::optional<std::string_view> PathParameters::find(std::string_view name) const {
  for (const auto& [key, value] : values_) {
    if (key == name) return value;
  }
  return std::nullopt;
}

std::optional<std::string_view> query_parameter(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    auto amp = query.find('&');
    auto pair = query.substr(0, amp);
    auto eq = pair.find('=');
    if (pair.substr(0, eq) == name) return eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1);
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

NumberParameter number_parameter(std::string_view query, std::string_view name, std::uint64_t min, std::uint64_t max) {
  auto text = query_parameter(query, name);
  if (!text) return {};
  std::uint64_t value = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (ec != std::errc{} || end != text->data() + text->size() || text->empty() || value < min || value > max) {
    return {std::nullopt, true};
  }
  return {value, false};
}

std::optional<std::string_view> bearer_token(const HttpRequest& request) {
  constexpr std::string_view kBearer = "Bearer ";
  auto header = request[boost::beast::http::field::authorization];
  std::string_view value(header.data(), header.size());
  if (!value.starts_with(kBearer)) return std::nullopt;
  return value.substr(kBearer.size());
}

std::vector<std::string_view> path_segments(std::string_view path) {
  std::vector<std::string_view> segments;
  for (auto segment = next_segment(path); !segment.empty(); segment = next_segment(path)) segments.push_back(segment);
  return segments;
}

bool is_api_path(std::string_view path) { return next_segment(path) == "v1"; }

RouteDecision decide_route(std::span<const Route> routes, http::verb method, std::string_view path,
                           const std::function<bool()>& caller_is_admin,
                           const std::function<bool(std::string_view colony)>& caller_watches) {
  using Verdict = RouteDecision::Verdict;
  RouteDecision decision;
  for (const auto& route : routes) {
    if (auto parameters = match(route, path)) {
      decision.route = &route;
      decision.parameters = std::move(*parameters);
      break;
    }
  }
  if (decision.route == nullptr) return decision;
  const Route& route = *decision.route;

  if (route.access == Access::admin && !caller_is_admin()) {
    decision.verdict = Verdict::unauthorized;
    return decision;
  }
  if (route.access == Access::colony_reader && !caller_is_admin() &&
      !(caller_watches && caller_watches(decision.parameters["colony"]))) {
    decision.verdict = Verdict::unauthorized;
    return decision;
  }
  if (auto colony = decision.parameters.find("colony"); colony && !protocol::is_valid_colony_id(*colony)) {
    decision.verdict = Verdict::bad_colony;
    return decision;
  }
  for (const auto& candidate : route.methods) {
    if (takes(candidate.method, method)) {
      decision.verdict = Verdict::call;
      decision.handler = candidate.handler;
      return decision;
    }
  }
  decision.verdict = Verdict::method_not_allowed;
  decision.allow = allow_header(route);
  return decision;
}

}  // namespace mi::hub
