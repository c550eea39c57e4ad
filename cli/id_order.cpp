#include "cli/id_order.hpp"

#include <tuple>

namespace mi::cli {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Where a character falls in the Unicode root collation that browsers use: the punctuation an
// id may hold comes first, in the order '_' '-' '.', then digits, then letters (case ignored).
std::tuple<int, char> collation_key(char c) {
  if (c == '_') return {0, c};
  if (c == '-') return {1, c};
  if (c == '.') return {2, c};
  if (is_digit(c)) return {4, c};
  if (c >= 'A' && c <= 'Z') return {5, static_cast<char>(c - 'A' + 'a')};
  if (c >= 'a' && c <= 'z') return {5, c};
  return {3, c};  // other punctuation, which no id has
}

// The run of digits at `at`, without its leading zeros; `at` moves past it.
std::string_view digit_run(std::string_view text, std::size_t& at) {
  const auto start = at;
  while (at < text.size() && is_digit(text[at])) ++at;
  auto run = text.substr(start, at - start);
  while (run.size() > 1 && run.front() == '0') run.remove_prefix(1);
  return run;
}

}  // namespace

bool id_sorts_before(std::string_view left, std::string_view right) {
  std::size_t i = 0, j = 0;
  while (i < left.size() && j < right.size()) {
    if (is_digit(left[i]) && is_digit(right[j])) {
      const auto a = digit_run(left, i);
      const auto b = digit_run(right, j);
      if (a.size() != b.size()) return a.size() < b.size();
      if (a != b) return a < b;
      continue;
    }
    const auto a = collation_key(left[i]);
    const auto b = collation_key(right[j]);
    if (a != b) return a < b;
    ++i;
    ++j;
  }
  if ((i < left.size()) != (j < right.size())) return i >= left.size();
  return left < right;
}

}  // namespace mi::cli
