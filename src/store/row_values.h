// Reading values out of a soci::row the same way on both engines, and the affected-row count of
// a statement (internal to store/).
//
// The type a column comes back as depends on the engine and the expression: INTEGER is int on
// both, COUNT(*) and identity columns are BIGINT on PostgreSQL, SQLite may describe an
// expression without a declared type as text. These helpers accept any of them.
#pragma once

#include <soci/soci.h>

#include <cstddef>
#include <string>

namespace au::store {

// A text column, NULL as "".
inline std::string text_at(const soci::row& r, std::size_t i) {
  return r.get_indicator(i) == soci::i_null ? std::string() : r.get<std::string>(i);
}

// Executes `st` once and says how many rows it changed (conditional UPDATEs: who won).
inline long long affected(soci::statement& st) {
  st.execute(true);
  return st.get_affected_rows();
}

inline long long integer_at(const soci::row& r, std::size_t i) {
  switch (r.get_properties(i).get_data_type()) {
    case soci::dt_integer: return r.get<int>(i);
    case soci::dt_long_long: return r.get<long long>(i);
    case soci::dt_unsigned_long_long: return static_cast<long long>(r.get<unsigned long long>(i));
    case soci::dt_double: return static_cast<long long>(r.get<double>(i));
    default: return std::stoll(r.get<std::string>(i));
  }
}

// DOUBLE PRECISION columns; an integral value stored by SQLite is accepted too.
inline double double_at(const soci::row& r, std::size_t i) {
  switch (r.get_properties(i).get_data_type()) {
    case soci::dt_double: return r.get<double>(i);
    case soci::dt_integer: return r.get<int>(i);
    case soci::dt_long_long: return static_cast<double>(r.get<long long>(i));
    case soci::dt_unsigned_long_long: return static_cast<double>(r.get<unsigned long long>(i));
    default: return std::stod(r.get<std::string>(i));
  }
}

}  // namespace au::store
