// Small formatting helpers shared by the page builders (Italian conventions).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

namespace au::identity { struct ActiveSession; }
namespace au::store { class Database; }

namespace au::portal {

// [{label, url}] -> breadcrumb context; the last item is the current page.
nlohmann::json breadcrumb(const std::vector<std::pair<std::string, std::string>>& items);
std::string euro(std::int64_t cents);                 // 2221 -> "€ 22,21"
std::size_t utf8_length(const std::string& s);         // code points, for limits people read
// "2026-11-27T06:00:00Z" -> "Fri, 27 Nov 2026 06:00:00 GMT" (RFC 9110 HTTP-date); "" if malformed.
std::string http_date(const std::string& iso8601);
std::string date_label(const std::string& iso8601);   // "2026-11-27T.." -> "27/11/2026"
// Query string builder: keeps the non-empty values, percent-encoded.
// What templates/account_nav.mustache reads for a logged-in person: name, role flags and the
// unread messages ("" hides the badge: a number 0 would print).
nlohmann::json account_nav(const identity::ActiveSession& s, store::Database& db);
std::string query_string(const std::vector<std::pair<std::string, std::string>>& params);

}  // namespace au::portal
