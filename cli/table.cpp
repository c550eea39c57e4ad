#include "cli/table.hpp"

#include <algorithm>

namespace mi::cli {

namespace {

// Characters as they take room on a terminal: UTF-8 continuation bytes take none.
std::size_t display_width(const std::string& text) {
  return static_cast<std::size_t>(
      std::count_if(text.begin(), text.end(), [](char byte) { return (static_cast<unsigned char>(byte) & 0xC0) != 0x80; }));
}

void append_padded(std::string& out, const std::string& cell, std::size_t width) {
  out += cell;
  out.append(width - std::min(width, display_width(cell)), ' ');
}

}  // namespace

Table::Table(std::vector<std::string> headers) : headers_(std::move(headers)) {}

void Table::add_row(std::vector<std::string> cells) {
  cells.resize(headers_.size());
  rows_.push_back(std::move(cells));
}

std::string Table::render() const {
  std::vector<std::size_t> widths;
  for (const auto& header : headers_) widths.push_back(display_width(header));
  for (const auto& row : rows_) {
    for (std::size_t column = 0; column < row.size(); ++column) {
      widths[column] = std::max(widths[column], display_width(row[column]));
    }
  }
  std::string out;
  auto append_line = [&](const std::vector<std::string>& cells) {
    std::string line;
    for (std::size_t column = 0; column < cells.size(); ++column) {
      if (column > 0) line += "  ";
      append_padded(line, cells[column], widths[column]);
    }
    // Padding after the last column would only be trailing blanks.
    line.erase(line.find_last_not_of(' ') + 1);
    out += line + "\n";
  };
  append_line(headers_);
  for (const auto& row : rows_) append_line(row);
  return out;
}

std::string render_fields(const std::vector<std::pair<std::string, std::string>>& fields) {
  std::size_t width = 0;
  for (const auto& [label, value] : fields) width = std::max(width, display_width(label) + 1);
  std::string out;
  for (const auto& [label, value] : fields) {
    append_padded(out, label + ":", width);
    out += "  " + value + "\n";
  }
  return out;
}

}  // namespace mi::cli
