#pragma once
// The hub's address as given by --hub or MI_HUB: http://host[:port][/base] or
// https://host[:port][/base].

#include <string>
#include <string_view>

namespace mi::cli {

inline constexpr std::string_view kDefaultHubUrl = "http://127.0.0.1:8080";

struct HubUrl {
  bool tls = false;       // https://: TLS, the hub's certificate verified, for HTTP and WebSocket alike
  std::string host;       // a name or an address; IPv6 without its brackets
  std::string port;       // as text, the way the resolver wants it
  std::string base_path;  // "" or a prefix such as "/presence", without a trailing slash

  // The canonical text, e.g. "http://127.0.0.1:8080" or "https://hub.example.com": what messages
  // show and credentials keep. The port is left out when it is the scheme's own (80, 443).
  std::string text() const;
  // The value of the Host header: the host, and the port unless it is the scheme's own.
  std::string host_header() const;
  // base_path + path, for a path that starts with '/'.
  std::string target(std::string_view path) const;
};

// Throws a usage CommandError with a sentence when `text` is not such a URL.
HubUrl parse_hub_url(std::string_view text);

}  // namespace mi::cli
