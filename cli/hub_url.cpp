#include "cli/hub_url.hpp"

#include <charconv>

#include "cli/command_error.hpp"

namespace mi::cli {
namespace {

bool is_valid_port(std::string_view port) {
  unsigned value = 0;
  const auto [end, error] = std::from_chars(port.data(), port.data() + port.size(), value);
  return error == std::errc{} && end == port.data() + port.size() && value >= 1 && value <= 65535;
}

CommandError bad_url(std::string_view text, std::string_view why) {
  return usage_error("--hub " + std::string(text) + " is not a hub address: " + std::string(why) +
                     ". Write it like http://127.0.0.1:8080 or http://hub.example.com:8080.");
}

}  // namespace

std::string HubUrl::text() const { return "http://" + host_header() + base_path; }

std::string HubUrl::host_header() const {
  const bool ipv6 = host.find(':') != std::string::npos;
  return (ipv6 ? "[" + host + "]" : host) + ":" + port;
}

std::string HubUrl::target(std::string_view path) const { return base_path + std::string(path); }

HubUrl parse_hub_url(std::string_view text) {
  constexpr std::string_view kHttp = "http://";
  if (text.starts_with("https://")) {
    throw usage_error("--hub " + std::string(text) +
                      ": this build of mi speaks plain http:// only. Reach the hub over http:// "
                      "(for example through an SSH tunnel or on its private address).");
  }
  if (!text.starts_with(kHttp)) throw bad_url(text, "it must start with http://");
  std::string_view rest = text.substr(kHttp.size());

  HubUrl url;
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
  if (port.empty()) port = "80";
  if (!is_valid_port(port)) throw bad_url(text, "the port must be a number from 1 to 65535");
  url.port = std::string(port);
  return url;
}

}  // namespace mi::cli
