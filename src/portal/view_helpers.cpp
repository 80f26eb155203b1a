#include "portal/view_helpers.h"

#include "identity/sessions.h"
#include "notify/inbox.h"
#include "store/notification_repository.h"

#include <ctime>

#include "web/http.h"

namespace au::portal {

nlohmann::json breadcrumb(const std::vector<std::pair<std::string, std::string>>& items) {
  nlohmann::json out = nlohmann::json::array();
  for (std::size_t i = 0; i < items.size(); ++i)
    out.push_back({{"label", items[i].first}, {"url", items[i].second}, {"current", i + 1 == items.size()}});
  return out;
}

std::string euro(std::int64_t cents) {
  std::string units = std::to_string(cents / 100);
  // thousands separator "."
  for (int i = static_cast<int>(units.size()) - 3; i > 0; i -= 3) units.insert(static_cast<std::size_t>(i), ".");
  std::int64_t c = cents % 100;
  return "€ " + units + "," + (c < 10 ? "0" : "") + std::to_string(c);
}

std::size_t utf8_length(const std::string& s) {
  std::size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

std::string http_date(const std::string& iso) {
  std::tm tm{};
  if (iso.size() < 19 || !strptime(iso.c_str(), "%Y-%m-%dT%H:%M:%S", &tm)) return "";
  std::time_t t = timegm(&tm);
  std::tm out{};
  gmtime_r(&t, &out);
  char buf[40];
  // The C locale's day and month names are the English ones HTTP requires.
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &out);
  return buf;
}

std::string date_label(const std::string& iso) {
  if (iso.size() < 10) return iso;
  return iso.substr(8, 2) + "/" + iso.substr(5, 2) + "/" + iso.substr(0, 4);
}

std::string query_string(const std::vector<std::pair<std::string, std::string>>& params) {
  std::string out;
  for (const auto& [k, v] : params) {
    if (v.empty()) continue;
    out += out.empty() ? "?" : "&";
    out += web::percent_encode(k) + "=" + web::percent_encode(v);
  }
  return out;
}

nlohmann::json account_nav(const identity::ActiveSession& s, store::Database& db) {
  const auto& p = s.principal;
  const long long unread = store::unread_count(db, notify::inbox_subjects(p));
  return {{"name", s.display_name()},
          {"is_intermediary", p.has(domain::Role::Intermediario)},
          {"is_operator", p.has(domain::Role::OperatoreEnte)},
          {"is_editor", p.has(domain::Role::Redattore)},
          {"is_admin", p.has(domain::Role::Amministratore)},
          {"unread", unread > 0 ? std::to_string(unread) : ""}};
}

}  // namespace au::portal
