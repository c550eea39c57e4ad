#pragma once
// How a command ends when it cannot do what was asked: it throws CommandError, and main prints
// the sentence on stderr and exits with the code. Commands never call exit themselves.

#include <stdexcept>
#include <string>

namespace mi::cli {

enum class ExitCode : int {
  success = 0,
  refused = 1,  // the hub said no, or could not be reached
  usage = 2,    // the command line itself is wrong
};

class CommandError : public std::runtime_error {
 public:
  CommandError(ExitCode exit_code, std::string code, const std::string& sentence)
      : std::runtime_error(sentence), exit_code_(exit_code), code_(std::move(code)) {}

  ExitCode exit_code() const { return exit_code_; }
  // A snake_case reason ("invalid_code", "unreachable", "usage"...), shown in --json output.
  const std::string& code() const { return code_; }

 private:
  ExitCode exit_code_;
  std::string code_;
};

inline CommandError usage_error(const std::string& sentence) {
  return CommandError(ExitCode::usage, "usage", sentence);
}

inline CommandError refusal(std::string code, const std::string& sentence) {
  return CommandError(ExitCode::refused, std::move(code), sentence);
}

}  // namespace mi::cli
