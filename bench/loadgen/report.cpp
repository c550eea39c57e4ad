#include "report.hpp"

#include <cmath>
#include <cstdio>
#include <iostream>

#include "protocol/json_writer.hpp"

namespace mi::bench {

void Report::key(std::string_view k) {
  if (!body_.empty()) body_.push_back(',');
  protocol::append_json_key(body_, k);
}

Report& Report::num(std::string_view k, double value) {
  key(k);
  if (!std::isfinite(value)) {
    body_ += "null";
    return *this;
  }
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.6g", value);
  body_ += buf;
  return *this;
}

Report& Report::integer(std::string_view k, std::int64_t value) {
  key(k);
  protocol::append_json_int(body_, value);
  return *this;
}

Report& Report::str(std::string_view k, std::string_view value) {
  key(k);
  protocol::append_json_string(body_, value);
  return *this;
}

Report& Report::raw(std::string_view k, std::string_view json) {
  key(k);
  body_ += json;
  return *this;
}

void Report::print(std::string_view prefix) const { std::cout << prefix << " " << json() << std::endl; }

}  // namespace mi::bench
