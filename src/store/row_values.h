// Reading values out of a soci::row the same way on both engines, the affected-row count of a
// statement, and IN lists of bound values (internal to store/).
//
// The type a column comes back as depends on the engine and the expression: INTEGER is int on
// both, COUNT(*) and identity columns are BIGINT on PostgreSQL, SQLite may describe an
// expression without a declared type as text. These helpers accept any of them.
#pragma once

#include <soci/soci.h>

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

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

// For a statement executed once: on PostgreSQL SOCI then sends it with its values in one round
// trip, instead of PREPARE, EXECUTE and DEALLOCATE (the default, for statements run many times).
inline constexpr auto kRunOnce = soci::details::st_one_time_query;

// A statement bound to variables (soci::use) and prepared as kRunOnce: each execute() sends the
// variables' current values (the rows of a batch: no PREPARE/DEALLOCATE round trips on
// PostgreSQL; SQLite compiles it once either way).
template <class... Bindings>
soci::statement statement_for_rows(soci::session& s, const std::string& sql, Bindings&&... bindings) {
  soci::statement st(s);
  st.alloc();
  (st.exchange(std::forward<Bindings>(bindings)), ...);
  st.prepare(sql, kRunOnce);
  st.define_and_bind();
  return st;
}

// Runs `sql` once (kRunOnce) with the values `bind(statement&)` exchanges, and hands every row
// to `each`.
template <class Bind, class RowHandler>
void for_each_row(soci::session& s, const std::string& sql, Bind bind, RowHandler each) {
  soci::row r;
  soci::statement st(s);
  st.alloc();
  bind(st);
  st.exchange(soci::into(r));
  st.prepare(sql, kRunOnce);
  st.define_and_bind();
  st.execute(false);
  while (st.fetch()) each(static_cast<const soci::row&>(r));
}

// ":p0, :p1, ..." for an IN list of n values bound with bind_list(st, "p", values).
inline std::string placeholders(const char* prefix, std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i) out += (i ? ", :" : ":") + std::string(prefix) + std::to_string(i);
  return out;
}

inline void bind_list(soci::statement& st, const char* prefix, const std::vector<std::string>& values) {
  for (std::size_t i = 0; i < values.size(); ++i)
    st.exchange(soci::use(values[i], std::string(prefix) + std::to_string(i)));
}

}  // namespace au::store
