#pragma once
// The JSON object a run prints as its last stdout line: `REPORT {...}`.
#include <cstdint>
#include <string>
#include <string_view>

namespace mi::bench {

class Report {
 public:
  Report& num(std::string_view key, double value);
  Report& integer(std::string_view key, std::int64_t value);
  Report& str(std::string_view key, std::string_view value);
  Report& raw(std::string_view key, std::string_view json);
  std::string json() const { return "{" + body_ + "}"; }
  void print(std::string_view prefix) const;  // one line on stdout, flushed

 private:
  void key(std::string_view k);
  std::string body_;
};

}  // namespace mi::bench
