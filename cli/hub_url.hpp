#pragma once
// The hub's address as given by --hub or MI_HUB: http://host[:port][/base].

#include <string>
#include <string_view>

namespace mi::cli {

inline constexpr std::string_view kDefaultHubUrl = "http://127.0.0.1:8080";

struct HubUrl {
  std::string host;       // a name or an address; IPv6 without its brackets
  std::string port;       // as text, the way the resolver wants it
  std::string base_path;  // "" or a prefix such as "/presence", without a trailing slash

  // The canonical text, e.g. "http://127.0.0.1:8080": what messages show and credentials keep.
  std::string text() const;
  // The value of the Host header.
  std::string host_header() const;
  // base_path + path, for a path that starts with '/'.
  std::string target(std::string_view path) const;
};

// Throws a usage CommandError with a sentence when `text` is not such a URL (https included:
// this client speaks plain HTTP only).
HubUrl parse_hub_url(std::string_view text);

}  // namespace mi::cli
