#include "cli/hub_url.hpp"

#include <charconv>

#include "cli/command_error.hpp"

namespace mi::cli {
namespace {

// The port as the canonical number text ("0443" becomes "443"); empty when it is not a port.
std::string canonical_port(std::string_view port) {
  unsigned value = 0;
  const auto [end, error] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (error != std::errc{} || end != port.data() + port.size() || value < 1 || value > 65535) return {};
  return std::to_string(value);
}

CommandError bad_url(std::string_view text, std::string_view why) {
  return usage_error("--hub " + std::string(text) + " is not a hub address: " + std::string(why) +
                     ". Write it like http://127.0.0.1:8080 or https://hub.example.com.");
}

std::string_view default_port(bool tls) { return tls ? "443" : "80"; }

}  // namespace

std::string HubUrl::text() const { return (tls ? "https://" : "http://") + host_header() + base_path; }

std::string HubUrl::host_header() const {
  const bool ipv6 = host.find(':') != std::string::npos;
  std::string text = ipv6 ? "[" + host + "]" : host;
  if (port != default_port(tls)) text += ":" + port;
  return text;
}

std::string HubUrl::target(std::string_view path) const { return base_path + std::string(path); }

HubUrl parse_hub_url(std::string_view text) {
  constexpr std::string_view kHttp = "http://";
  constexpr std::string_view kHttps = "https://";
  HubUrl url;
  std::string_view rest;
  if (text.starts_with(kHttps)) {
    url.tls = true;
    rest = text.substr(kHttps.size());
  } else if (text.starts_with(kHttp)) {
    rest = text.substr(kHttp.size());
  } else {
    throw bad_url(text, "it must start with http:// or https://");
  }

  const auto slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  if (slash != std::string_view::npos) {
    std::string_view path = rest.substr(slash);
    while (path.ends_with('/')) path.remove_suffix(1);
    if (path.find_first_of("?#") != std::string_view::npos) {
      throw bad_url(text, "it must not carry a query or a fragment");
    }
    url.base_path = std::string(path);
  }
  if (authority.find('@') != std::string_view::npos) {
    throw bad_url(text, "user names and passwords do not belong in it");
  }

  std::string_view port;
  if (authority.starts_with('[')) {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) throw bad_url(text, "an IPv6 address needs its closing ]");
    url.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty() && !after.starts_with(':')) throw bad_url(text, "unexpected text after the address");
    if (!after.empty()) port = after.substr(1);
  } else {
    const auto colon = authority.rfind(':');
    url.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
  }
  if (url.host.empty()) throw bad_url(text, "the host is missing");
  if (port.empty()) port = default_port(url.tls);
  url.port = canonical_port(port);
  if (url.port.empty()) throw bad_url(text, "the port must be a number from 1 to 65535");
  return url;
}

}  // namespace mi::cli
