#pragma once
// The pages and assets the hub serves: compiled in (one binary to deploy), or read from a folder
// named by --web-dir while developing them.

#include <optional>
#include <string>
#include <string_view>

namespace mi::hub {

struct StaticFile {
  std::string bytes;
  std::string content_type;
};

// `path` is a file under hub/http/web, e.g. "/admin.html" or "/assets/app.css". Paths with ".." or
// other escapes find nothing.
std::optional<StaticFile> find_static_file(std::string_view path, const std::string& web_dir);

std::string_view content_type_for(std::string_view path);

}  // namespace mi::hub
