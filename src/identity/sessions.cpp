#include "identity/sessions.h"

#include <chrono>
#include <ctime>

#include "domain/utc_time.h"
#include "identity/crypto.h"

namespace au::identity {

namespace {

std::int64_t epoch_now() { return static_cast<std::int64_t>(std::time(nullptr)); }

std::int64_t steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// A session id is exactly 43 characters of [A-Za-z0-9]: anything else is not worth a query.
bool plausible_id(const std::string& id) {
  if (id.size() != 43) return false;
  for (char c : id)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) return false;
  return true;
}

}  // namespace

domain::Principal anonymous() { return {}; }

domain::Decision acting_for_allowed(const domain::Principal& who, const std::string& subject, const std::string& now) {
  domain::Resource res;
  res.owner = subject;
  domain::Decision d = domain::decide(who, domain::Action::ViewPersonData, res, now);
  // Only through a delegation in force or for a represented business: nobody acts for themselves.
  if (d && (subject == who.subject || (d.delegation_id.empty() && !who.businesses.count(subject))))
    return domain::Decision{false, 404, "not-a-client", ""};
  return d;
}

bool csrf_ok(const web::Request& req, const ActiveSession& s, const std::string& submitted, const std::string& base_url) {
  std::string origin = req.header("Origin");
  if (!origin.empty() && origin != base_url) return false;
  std::string token = submitted.empty() ? req.header("X-CSRF-Token") : submitted;
  return !token.empty() && constant_time_equal(token, s.record.csrf_token);
}

std::string ActiveSession::display_name() const {
  std::string name = record.given_name;
  if (!record.family_name.empty()) name += (name.empty() ? "" : " ") + record.family_name;
  return name.empty() ? record.fiscal_code : name;
}

SessionManager::SessionManager(store::Database& db, SessionSettings settings)
    : db_(db), settings_(settings), cookie_name_(settings.secure_cookie ? "__Host-au_session" : "au_session") {}

std::string SessionManager::cookie_value(const web::Request& req, const std::string& name) {
  auto it = req.headers.find("Cookie");
  if (it == req.headers.end()) return "";
  std::string_view all = it->second;
  while (!all.empty()) {
    auto semi = all.find(';');
    std::string_view pair = all.substr(0, semi);
    all = semi == std::string_view::npos ? std::string_view() : all.substr(semi + 1);
    while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
    auto eq = pair.find('=');
    if (eq != std::string_view::npos && pair.substr(0, eq) == name) return std::string(pair.substr(eq + 1));
  }
  return "";
}

void SessionManager::purge_now_and_then(std::int64_t now) {
  {
    std::lock_guard lock(mutex_);
    if (now - last_purge_ < 600) return;
    last_purge_ = now;
  }
  store::purge_expired(db_, domain::format_utc(now), domain::format_utc(now - settings_.idle_timeout_seconds));
}

std::string SessionManager::start(const Identity& who) {
  std::string id = random_token(43);
  std::int64_t now = epoch_now();
  purge_now_and_then(now);
  store::SessionRecord s;
  s.id_hash = sha256_hex(id);
  s.fiscal_code = who.fiscal_code;
  s.given_name = who.given_name;
  s.family_name = who.family_name;
  s.email = who.email;
  s.spid_level = who.spid_level;
  s.csrf_token = random_token(43);
  s.id_token = who.id_token;
  s.created_at = s.last_seen_at = domain::format_utc(now);
  s.absolute_expires_at = domain::format_utc(now + settings_.absolute_timeout_seconds);
  store::PersonRecord p{who.fiscal_code, who.given_name, who.family_name, who.email, s.created_at, s.created_at};
  store::upsert_person(db_, p);
  store::create_session(db_, s);
  std::string cookie = cookie_name_ + "=" + id + "; Path=/; HttpOnly; SameSite=Lax; Max-Age=" +
                       std::to_string(settings_.absolute_timeout_seconds);
  if (settings_.secure_cookie) cookie += "; Secure";
  return cookie;
}

std::string SessionManager::clearing_cookie() const {
  std::string cookie = cookie_name_ + "=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0";
  if (settings_.secure_cookie) cookie += "; Secure";
  return cookie;
}

domain::Principal SessionManager::principal_for(const std::string& fiscal_code) {
  domain::Principal p;
  p.kind = domain::Principal::Kind::Person;
  p.subject = fiscal_code;
  p.roles.insert(domain::Role::Cittadino);
  for (const auto& a : store::roles_of(db_, fiscal_code)) {
    domain::Role r;
    if (!domain::parse_role(a.role, r)) continue;
    p.roles.insert(r);
    if (r == domain::Role::RappresentanteImpresa && !a.scope.empty()) p.businesses.insert(a.scope);
    if (r == domain::Role::OperatoreEnte) p.ente_id = a.scope;
    if (r == domain::Role::Redattore && !a.scope.empty()) p.communities.insert(a.scope);
  }
  if (p.has(domain::Role::Intermediario)) {
    for (const auto& d : store::delegations_by_delegate(db_, fiscal_code)) {
      domain::DelegationGrant g;
      g.id = d.id;
      g.grantor = d.grantor;
      g.delegate = d.delegate;
      g.all_services = d.all_services;
      g.services.insert(d.services.begin(), d.services.end());
      g.enti.insert(d.enti.begin(), d.enti.end());
      g.valid_from = d.valid_from;
      g.valid_until = d.valid_until;
      g.status = d.status;
      p.delegations_received.push_back(std::move(g));
    }
  }
  return p;
}

std::shared_ptr<const ActiveSession> SessionManager::load(const std::string& id_hash) {
  auto rec = store::find_session(db_, id_hash);
  if (!rec) return nullptr;
  auto s = std::make_shared<ActiveSession>();
  s->record = std::move(*rec);
  s->principal = principal_for(s->record.fiscal_code);
  if (!s->record.acting_for.empty() &&
      !acting_for_allowed(s->principal, s->record.acting_for, domain::format_utc(epoch_now()))) {
    // The delegation was revoked or has expired since the person chose to act for someone:
    // they act for themselves again.
    store::set_acting_for(db_, id_hash, "", "");
    s->record.acting_for.clear();
    s->record.acting_delegation.clear();
  }
  return s;
}

std::shared_ptr<const ActiveSession> SessionManager::resume(const web::Request& req) {
  std::string id = cookie_value(req, cookie_name_);
  if (!plausible_id(id)) return nullptr;
  std::int64_t now_ms = steady_ms();
  std::shared_ptr<const ActiveSession> s;
  {
    // Keyed by the id the browser sent, so a hit costs no hashing (this runs on every page of
    // a logged-in person); the database only ever sees the hash.
    std::lock_guard lock(mutex_);
    auto it = cache_.find(id);
    if (it != cache_.end() && now_ms - it->second.loaded_ms < settings_.cache_ttl_ms) s = it->second.session;
  }
  bool fresh = false;
  if (!s) {
    s = load(sha256_hex(id));
    fresh = true;
    if (!s) {
      std::lock_guard lock(mutex_);
      cache_.erase(id);
      return nullptr;
    }
  }
  const std::string& id_hash = s->record.id_hash;
  std::int64_t now = epoch_now();
  auto last_seen = domain::parse_utc(s->record.last_seen_at);
  auto absolute = domain::parse_utc(s->record.absolute_expires_at);
  if (!last_seen || !absolute || now >= *absolute || now - *last_seen >= settings_.idle_timeout_seconds) {
    store::delete_session(db_, id_hash);
    std::lock_guard lock(mutex_);
    cache_.erase(id);
    return nullptr;
  }
  if (now - *last_seen >= 60) {
    // Idle time is measured to the minute: one write a minute per active session, not one per request.
    std::string stamp = domain::format_utc(now);
    store::touch_session(db_, id_hash, stamp);
    auto copy = std::make_shared<ActiveSession>(*s);
    copy->record.last_seen_at = stamp;
    s = copy;
    fresh = true;
  }
  if (fresh) {
    std::lock_guard lock(mutex_);
    if (cache_.size() > 100000) cache_.clear();  // bounded; a refill costs one query per session
    cache_[id] = {s, now_ms};
  }
  return s;
}

void SessionManager::drop_cached(const std::string& id_hash) {
  std::lock_guard lock(mutex_);
  std::erase_if(cache_, [&](const auto& entry) { return entry.second.session->record.id_hash == id_hash; });
}

std::string SessionManager::end(const ActiveSession& s) {
  store::delete_session(db_, s.record.id_hash);
  drop_cached(s.record.id_hash);
  return clearing_cookie();
}

void SessionManager::act_for(const ActiveSession& s, const std::string& subject, const std::string& delegation_id) {
  store::set_acting_for(db_, s.record.id_hash, subject, delegation_id);
  drop_cached(s.record.id_hash);
}

void SessionManager::forget_person(const std::string& fiscal_code) {
  std::lock_guard lock(mutex_);
  for (auto it = cache_.begin(); it != cache_.end();)
    it = it->second.session->record.fiscal_code == fiscal_code ? cache_.erase(it) : std::next(it);
}

}  // namespace au::identity
