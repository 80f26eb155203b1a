#include "importer/csv.h"

namespace au::importer {

namespace {
std::string trim(std::string s) {
  auto b = s.find_first_not_of(" \t\r\n");
  auto e = s.find_last_not_of(" \t\r\n");
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}
}  // namespace

std::vector<std::vector<std::string>> parse_csv(std::string_view text) {
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string field;
  bool quoted = false, field_started = false;
  std::size_t line = 1, quote_line = 0;
  auto end_field = [&] {
    row.push_back(std::move(field));
    field.clear();
    field_started = false;
  };
  auto end_row = [&] {
    end_field();
    if (!(row.size() == 1 && row[0].empty())) rows.push_back(std::move(row));
    row.clear();
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quoted) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          field += '"';
          ++i;
        } else {
          quoted = false;
        }
      } else {
        if (c == '\n') ++line;
        field += c;
      }
      continue;
    }
    switch (c) {
      case '"':
        if (!field_started) {
          quoted = true;
          quote_line = line;
        } else {
          field += c;  // a stray quote inside an unquoted field is kept literally
        }
        field_started = true;
        break;
      case ',': end_field(); break;
      case '\r': break;
      case '\n':
        ++line;
        end_row();
        break;
      default:
        field += c;
        field_started = true;
    }
  }
  if (quoted) throw std::runtime_error("virgolette non chiuse dalla riga " + std::to_string(quote_line));
  if (field_started || !field.empty() || !row.empty()) end_row();
  return rows;
}

CsvTable::CsvTable(std::string_view text) {
  auto all = parse_csv(text);
  if (all.empty()) throw std::runtime_error("file CSV vuoto");
  for (auto& h : all.front()) header_.push_back(trim(h));
  rows_.assign(std::make_move_iterator(all.begin() + 1), std::make_move_iterator(all.end()));
}

std::size_t CsvTable::column(std::string_view name) const {
  for (std::size_t i = 0; i < header_.size(); ++i)
    if (header_[i] == name) return i;
  throw std::out_of_range("colonna \"" + std::string(name) + "\" mancante");
}

const std::string& CsvTable::at(std::size_t row, std::size_t col) const {
  static const std::string empty;
  const auto& r = rows_.at(row);
  return col < r.size() ? r[col] : empty;
}

}  // namespace au::importer
