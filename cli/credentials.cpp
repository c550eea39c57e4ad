#include "cli/credentials.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include <simdjson.h>

#include "cli/command_error.hpp"
#include "cli/json_output.hpp"

namespace mi::cli {

namespace fs = std::filesystem;

namespace {

CommandError file_error(const std::string& what, const fs::path& path, int error_number) {
  return refusal("file_error", what + " " + path.string() + ": " + std::strerror(error_number) + ".");
}

// Creates `directory` (and missing parents) readable by the user alone. An existing directory
// is left as it is: it may be shared on purpose.
void make_private_directory(const fs::path& directory) {
  std::error_code ignored;
  if (fs::is_directory(directory, ignored)) return;
  if (directory.has_parent_path()) make_private_directory(directory.parent_path());
  if (::mkdir(directory.c_str(), 0700) != 0 && errno != EEXIST) {
    throw file_error("Could not create the directory", directory, errno);
  }
}

void write_all(int fd, std::string_view bytes, const fs::path& path) {
  while (!bytes.empty()) {
    const ssize_t written = ::write(fd, bytes.data(), bytes.size());
    if (written < 0) {
      if (errno == EINTR) continue;
      throw file_error("Could not write", path, errno);
    }
    bytes.remove_prefix(static_cast<std::size_t>(written));
  }
}

}  // namespace

fs::path mi_home() {
  if (const char* home = std::getenv("MI_HOME"); home != nullptr && *home != '\0') return fs::path(home);
  if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') return fs::path(home) / ".mi";
  throw usage_error("Neither MI_HOME nor HOME is set, so mi does not know where to keep agent credentials. "
                    "Set MI_HOME to a directory.");
}

fs::path agent_credentials_path() { return mi_home() / "agent.json"; }

fs::path replaced_agent_credentials_path(std::string_view colony, std::string_view agent_id) {
  return mi_home() / "agents" / std::string(colony) / (std::string(agent_id) + ".json");
}

fs::path clones_directory() { return mi_home() / "clones"; }

fs::path clone_credentials_path(std::string_view clone_id) {
  return clones_directory() / (std::string(clone_id) + ".json");
}

std::string credentials_json(const Credentials& credentials) {
  return JsonObject()
      .add("hub", credentials.hub)
      .add("colony", credentials.colony)
      .add("agent", credentials.agent)
      .add("token", credentials.token)
      .text();
}

Credentials load_credentials(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    throw usage_error("No agent credentials at " + file.string() +
                      ". Join a colony first with: mi agent onboard CODE (or point --credentials at the "
                      "right file; MI_HOME sets where mi keeps them).");
  }
  std::stringstream text;
  text << in.rdbuf();
  const std::string content = text.str();

  simdjson::dom::parser parser;
  simdjson::dom::element root;
  std::string_view hub, colony, agent, token;
  const bool readable = parser.parse(content).get(root) == simdjson::SUCCESS &&
                        root["hub"].get(hub) == simdjson::SUCCESS &&
                        root["colony"].get(colony) == simdjson::SUCCESS &&
                        root["agent"].get(agent) == simdjson::SUCCESS &&
                        root["token"].get(token) == simdjson::SUCCESS;
  if (!readable || colony.empty() || agent.empty() || token.empty()) {
    throw usage_error(file.string() + " does not hold agent credentials (a JSON object with hub, colony, agent "
                      "and token). Onboard again with a new invite, or point --credentials at the right file.");
  }
  return Credentials{std::string(hub), std::string(colony), std::string(agent), std::string(token)};
}

void prepare_private_directory(const fs::path& directory) {
  if (!directory.empty()) make_private_directory(directory);
}

void save_credentials(const fs::path& file, const Credentials& credentials) {
  prepare_private_directory(file.parent_path());
  const fs::path temporary = file.string() + ".tmp-" + std::to_string(::getpid());
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) throw file_error("Could not create", temporary, errno);
  try {
    // The umask may have taken bits away, never added any; fchmod makes the mode exact.
    if (::fchmod(fd, 0600) != 0) throw file_error("Could not set the mode of", temporary, errno);
    write_all(fd, credentials_json(credentials) + "\n", temporary);
    if (::fsync(fd) != 0) throw file_error("Could not sync", temporary, errno);
  } catch (...) {
    ::close(fd);
    ::unlink(temporary.c_str());
    throw;
  }
  ::close(fd);
  if (::rename(temporary.c_str(), file.c_str()) != 0) {
    const int error_number = errno;
    ::unlink(temporary.c_str());
    throw file_error("Could not save", file, error_number);
  }
}

}  // namespace mi::cli
