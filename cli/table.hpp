#pragma once
// Text tables for people: columns aligned on their widest cell, two spaces apart.

#include <string>
#include <vector>

namespace mi::cli {

class Table {
 public:
  explicit Table(std::vector<std::string> headers);

  // A row has as many cells as there are headers; missing ones are blank.
  void add_row(std::vector<std::string> cells);

  // The header line and one line per row, each ending in a newline.
  std::string render() const;

 private:
  std::vector<std::string> headers_;
  std::vector<std::vector<std::string>> rows_;
};

// Aligned "Label:  value" lines, for one record (an invite).
std::string render_fields(const std::vector<std::pair<std::string, std::string>>& fields);

}  // namespace mi::cli
