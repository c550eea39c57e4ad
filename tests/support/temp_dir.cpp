#include "tests/support/temp_dir.hpp"

#include <cerrno>
#include <cstdlib>
#include <system_error>
#include <vector>

#include <unistd.h>

namespace mi::test {

TempDir::TempDir(const std::string& prefix) {
  const char* base = std::getenv("TMPDIR");
  const std::filesystem::path root = (base != nullptr && *base != '\0') ? base : "/tmp";
  std::string pattern = (root / (prefix + "-XXXXXX")).string();
  std::vector<char> buffer(pattern.begin(), pattern.end());
  buffer.push_back('\0');
  if (::mkdtemp(buffer.data()) == nullptr)
    throw std::system_error(errno, std::generic_category(), "mkdtemp " + pattern);
  path_ = buffer.data();
}

TempDir::~TempDir() {
  std::error_code ignored;  // best effort: a destructor must not throw
  std::filesystem::remove_all(path_, ignored);
}

}  // namespace mi::test
