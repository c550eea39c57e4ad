#pragma once
// Which browser pages may act on the hub: the Origin check of WebSocket upgrades and of the
// admin cookie's state-changing requests.

#include <string_view>

#include "hub/core/config.hpp"

namespace mi::hub {

// Whether a browser page from `origin` may open a WebSocket (or post with the admin cookie), for
// a request whose Host is `host`: one of --allowed-origins when given, else the public URL's
// origin or the Host the request was sent to.
bool origin_allowed(const Config& config, std::string_view public_url, std::string_view origin,
                    std::string_view host);

}  // namespace mi::hub
