#pragma once
// Files of hub/http/web, compiled into the binary (see cmake/embed_web.cmake).

#include <string_view>
#include <vector>

namespace mi::hub {

struct EmbeddedAsset {
  std::string_view path;  // "/admin.html", "/app.css", ...
  std::string_view bytes;
};

const std::vector<EmbeddedAsset>& embedded_assets();

}  // namespace mi::hub
