// A small RFC 4180 CSV reader for the bundled open-data files.
//
// Contract: parse_csv() returns rows of fields (quotes removed, "" unescaped, CRLF or LF line
// ends, a UTF-8 BOM skipped). An unterminated quote throws std::runtime_error naming the line.
// CsvTable gives access by header name and says which column is missing.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace au::importer {

std::vector<std::vector<std::string>> parse_csv(std::string_view text);

class CsvTable {
 public:
  explicit CsvTable(std::string_view text);
  std::size_t rows() const { return rows_.size(); }
  // Index of a header (exact match after trimming); throws std::out_of_range naming it.
  std::size_t column(std::string_view name) const;
  const std::string& at(std::size_t row, std::size_t col) const;  // "" when the row is short
  const std::vector<std::string>& header() const { return header_; }

 private:
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace au::importer
