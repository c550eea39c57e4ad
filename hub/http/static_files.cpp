#include "hub/http/static_files.hpp"

#include <fstream>
#include <sstream>

#include "hub/http/web_assets.hpp"

namespace mi::hub {

std::string_view content_type_for(std::string_view path) {
  auto ends_with = [&](std::string_view suffix) { return path.ends_with(suffix); };
  if (ends_with(".html")) return "text/html; charset=utf-8";
  if (ends_with(".css")) return "text/css; charset=utf-8";
  if (ends_with(".js") || ends_with(".mjs")) return "text/javascript; charset=utf-8";
  if (ends_with(".svg")) return "image/svg+xml";
  if (ends_with(".png")) return "image/png";
  if (ends_with(".json")) return "application/json";
  if (ends_with(".ico")) return "image/x-icon";
  return "application/octet-stream";
}

std::optional<StaticFile> find_static_file(std::string_view path, const std::string& web_dir) {
  if (path.empty() || path.front() != '/' || path.find("..") != std::string_view::npos ||
      path.find('\\') != std::string_view::npos || path.find('\0') != std::string_view::npos) {
    return std::nullopt;
  }
  if (!web_dir.empty()) {
    std::ifstream file(web_dir + std::string(path), std::ios::binary);
    if (!file) return std::nullopt;
    std::ostringstream bytes;
    bytes << file.rdbuf();
    return StaticFile{bytes.str(), std::string(content_type_for(path))};
  }
  for (const auto& asset : embedded_assets()) {
    if (asset.path == path) return StaticFile{std::string(asset.bytes), std::string(content_type_for(path))};
  }
  return std::nullopt;
}

}  // namespace mi::hub
