// Login and logout through the OpenID provider (AccountPages, see account_pages.h).
#include <spdlog/spdlog.h>

#include <ctime>

#include "domain/utc_time.h"
#include "identity/crypto.h"
#include "portal/account_pages.h"
#include "portal/view_helpers.h"
#include "store/identity_repository.h"

namespace au::portal {

using nlohmann::json;

namespace {

std::int64_t epoch_now() { return static_cast<std::int64_t>(std::time(nullptr)); }

const char* kLoginCookie = "au_login";  // binds the authorization request to this browser

// Same rule as the session cookie (identity::SessionSettings::secure_cookie): __Host- needs
// Secure; on plain-HTTP localhost the plain name is the only one browsers keep.
std::string login_cookie_name(bool secure) { return secure ? std::string("__Host-") + kLoginCookie : kLoginCookie; }

std::string login_cookie(bool secure, const std::string& value, int max_age) {
  std::string c = login_cookie_name(secure) + "=" + value + "; Path=/; HttpOnly; SameSite=Lax; Max-Age=" +
                  std::to_string(max_age);
  if (secure) c += "; Secure";
  return c;
}

}  // namespace

web::Response AccountPages::login_page(const web::Request& req, const identity::Caller& caller) {
  std::vector<web::QueryParam> q;
  if (!web::parse_query(req.query, q)) return deps_.renderer->error_page(400, "Parametri della richiesta non validi.");
  std::string back = safe_return_to(form_get(q, "ritorno"));
  if (caller.session) return redirect(back);
  json ctx = deps_.renderer->base_context("Accedi - UmbriaSemplice",
                                          "Accedi all'area personale di UmbriaSemplice con SPID o CIE.", "/accedi");
  ctx["page"]["noindex"] = true;
  ctx["page"]["breadcrumb"] = breadcrumb({{"Home", "/"}, {"Accedi", ""}});
  ctx["login"] = {{"start_url", "/auth/login?ritorno=" + web::percent_encode(back)},
                  {"configured", deps_.oidc != nullptr},
                  {"demo", deps_.oidc && deps_.oidc->settings().demo},
                  {"issuer", deps_.oidc ? deps_.oidc->settings().issuer : ""}};
  return render("account_login", ctx, "login", deps_.oidc ? 200 : 503);
}

web::Response AccountPages::login_start(const web::Request& req) {
  if (!deps_.oidc) return deps_.renderer->error_page(503, "L'accesso con SPID e CIE non è configurato su questo server.");
  std::vector<web::QueryParam> q;
  if (!web::parse_query(req.query, q)) return deps_.renderer->error_page(400, "Parametri della richiesta non validi.");
  identity::AuthorizationRequest a;
  try {
    a = deps_.oidc->begin();
  } catch (const std::exception& e) {
    spdlog::error("provider di identità non raggiungibile: {}", e.what());
    return deps_.renderer->error_page(503, e.what());
  }
  std::string browser = identity::random_token(43);
  std::int64_t now = epoch_now();
  store::LoginAttempt attempt{identity::sha256_hex(a.state), identity::sha256_hex(browser), a.nonce,
                              a.code_verifier, safe_return_to(form_get(q, "ritorno")), domain::format_utc(now),
                              domain::format_utc(now + 600)};
  store::save_login_attempt(*deps_.db, attempt);
  web::Response r = redirect(a.url);
  r.set_cookies.push_back(login_cookie(deps_.sessions->settings().secure_cookie, browser, 600));
  r.route = "login_start";
  return r;
}

web::Response AccountPages::login_callback(const web::Request& req) {
  auto fail = [&](const std::string& reason, const std::string& message) {
    spdlog::warn("accesso non riuscito: {}", reason);
    web::Response r = deps_.renderer->error_page(400, message);
    r.headers["Cache-Control"] = "no-store";
    r.set_cookies.push_back(login_cookie(deps_.sessions->settings().secure_cookie, "", 0));  // this attempt is over
    r.route = "login_callback";
    return r;
  };
  if (!deps_.oidc) return deps_.renderer->error_page(503, "L'accesso con SPID e CIE non è configurato su questo server.");
  std::vector<web::QueryParam> q;
  if (!web::parse_query(req.query, q)) return fail("bad-query", "La risposta del servizio di accesso non è valida.");
  std::string state = form_get(q, "state"), code = form_get(q, "code"), error = form_get(q, "error");
  if (state.empty() || state.size() > 200) return fail("missing-state", "La risposta del servizio di accesso non è valida. Riprova ad accedere.");
  // Single use: whatever happens next, this state cannot be presented again.
  auto attempt = store::take_login_attempt(*deps_.db, identity::sha256_hex(state));
  if (!attempt) return fail("unknown-state", "Questo accesso è già stato usato o è scaduto. Riprova ad accedere.");
  std::string browser =
      identity::SessionManager::cookie_value(req, login_cookie_name(deps_.sessions->settings().secure_cookie));
  if (browser.empty() || !identity::constant_time_equal(identity::sha256_hex(browser), attempt->browser_hash))
    return fail("browser-mismatch", "L'accesso è stato avviato da un altro browser. Riprova ad accedere da qui.");
  auto expires = domain::parse_utc(attempt->expires_at);
  if (!expires || epoch_now() >= *expires) return fail("attempt-expired", "Hai impiegato troppo tempo. Riprova ad accedere.");
  if (!error.empty()) return fail("provider-error", "L'accesso è stato annullato o non è riuscito. Puoi riprovare quando vuoi.");
  if (code.empty() || code.size() > 2048) return fail("missing-code", "La risposta del servizio di accesso non è valida.");
  auto outcome = deps_.oidc->finish(code, attempt->code_verifier, attempt->nonce, epoch_now());
  if (!outcome.identity) return fail(outcome.error, "Non è stato possibile verificare la tua identità. Riprova ad accedere.");
  // A new session id at every login: an id planted before (session fixation) is never promoted,
  // and a session this browser already had ends here rather than lingering until it expires.
  if (auto previous = deps_.sessions->resume(req)) deps_.sessions->end(*previous);
  web::Response r = redirect(attempt->return_to);
  r.set_cookies.push_back(deps_.sessions->start(*outcome.identity));
  r.set_cookies.push_back(login_cookie(deps_.sessions->settings().secure_cookie, "", 0));
  r.route = "login_callback";
  spdlog::info("accesso riuscito (livello {})", outcome.identity->spid_level);
  return r;
}

web::Response AccountPages::logout(const web::Request& req, const Session& s) {
  std::vector<web::QueryParam> form;
  if (auto bad = read_form(req, s, form)) return *bad;
  std::string id_token = s.record.id_token;
  std::string cookie = deps_.sessions->end(s);
  std::string target = "/?uscita=1";
  if (deps_.oidc) {
    std::string provider = deps_.oidc->end_session_url(id_token, identity::random_token(32));
    if (!provider.empty()) target = provider;  // RP-initiated logout: the provider ends its session too
  }
  web::Response r = redirect(target);
  r.set_cookies.push_back(cookie);
  r.route = "logout";
  return r;
}

}  // namespace au::portal
