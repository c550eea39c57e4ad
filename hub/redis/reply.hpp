#pragma once
// An owned copy of a hiredis reply tree, so that it can outlive hiredis' callback.

#include <string>
#include <string_view>
#include <vector>

namespace mi::redis {

struct Reply {
  enum class Type { nil, string, status, error, integer, array };

  Type type = Type::nil;
  std::string str;          // string, status, error
  long long integer = 0;    // integer
  std::vector<Reply> elements;  // array

  bool is_nil() const { return type == Type::nil; }
  bool is_error() const { return type == Type::error; }
  bool is_string() const { return type == Type::string || type == Type::status; }
  bool is_integer() const { return type == Type::integer; }
  bool is_array() const { return type == Type::array; }
};

}  // namespace mi::redis
