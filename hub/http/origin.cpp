#include "hub/http/origin.hpp"

namespace mi::hub {

namespace {
// "scheme://host[:port]" of a URL, which is what an Origin header carries.
std::string_view origin_of(std::string_view url) {
  auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return url;
  auto path_start = url.find('/', scheme_end + 3);
  return url.substr(0, path_start);
}
}  // namespace

bool origin_allowed(const Config& config, std::string_view public_url, std::string_view origin,
                    std::string_view host) {
  if (!config.allowed_origins.empty()) {
    for (const auto& allowed : config.allowed_origins) {
      if (origin == allowed) return true;
    }
    return false;
  }
  if (origin == origin_of(public_url)) return true;
  if (host.empty()) return false;
  auto scheme_end = origin.find("://");
  return scheme_end != std::string_view::npos && origin.substr(scheme_end + 3) == host &&
         (origin.substr(0, scheme_end) == "http" || origin.substr(0, scheme_end) == "https");
}

}  // namespace mi::hub
