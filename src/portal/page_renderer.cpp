// The page context, the layout and the error page shared by every page builder.
#include "portal/page_renderer.h"

#include <ctime>
#include <map>

namespace au::portal {

using nlohmann::json;

json PageRenderer::base_context(const std::string& title, const std::string& description,
                          const std::string& canonical_path) const {
  const auto* a = assets_;
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return json{
      {"site",
       {{"name", "UmbriaSemplice"},
        {"tagline", "Accesso unico ai servizi pubblici dell'Umbria"},
        {"base_url", base_url_},
        {"year", std::to_string(1900 + tm.tm_year)},
        {"assets",
         {{"bi_css", a->url("bi_css")},
          {"bi_js", a->url("bi_js")},
          {"app_css", a->url("app_css")},
          {"fonts_css", a->url("fonts_css")},
          {"app_js", a->url("app_js")},
          {"sprites", a->url("sprites")}}}}},
      {"page",
       {{"title", title},
        {"description", description},
        {"canonical", base_url_ + canonical_path},
        {"og_type", "website"},
        {"jsonld", ""},
        {"noindex", false},
        {"breadcrumb", json::array()}}},
      // Every page carries the "Quanto sono chiare le informazioni" widget.
      {"feedback_form", {{"action", "/valutazione"}, {"page", canonical_path}}}};
}

web::Response PageRenderer::page(const std::string& tmpl, const json& ctx, const std::string& route, int status) const {
  web::Response r(status, "text/html; charset=utf-8", templates_->render(tmpl, ctx));
  r.route = route;
  return r;
}

web::Response PageRenderer::error_page(int status, const std::string& message) const {
  static const std::map<int, std::string> headings = {
      {400, "Richiesta non valida"},          {401, "Accesso necessario"},
      {403, "Accesso non consentito"},        {404, "Pagina non trovata"},
      {405, "Operazione non consentita"},     {409, "Operazione non più possibile"},
      {413, "Contenuto troppo grande"},
      {414, "Indirizzo troppo lungo"},        {422, "Dati non validi"},
      {429, "Troppe richieste"},              {500, "Errore del servizio"},
      {503, "Servizio momentaneamente non disponibile"}};
  auto h = headings.find(status);
  std::string heading = h == headings.end() ? "Errore" : h->second;
  json ctx = base_context(heading + " - UmbriaSemplice", message, "/");
  ctx["page"]["noindex"] = true;
  ctx["page"]["breadcrumb"] = json::array({{{"label", "Home"}, {"url", "/"}, {"current", false}},
                                           {{"label", heading}, {"url", ""}, {"current", true}}});
  ctx["error"] = {{"status", status},
                  {"heading", heading},
                  {"message", message},
                  {"suggestions", json::array({{{"label", "Torna alla home"}, {"url", "/"}},
                                               {{"label", "Tutti i servizi"}, {"url", "/servizi"}},
                                               {{"label", "Enti dell'Umbria"}, {"url", "/enti"}}})}};
  web::Response r(status, "text/html; charset=utf-8", templates_->render("error", ctx));
  r.route = "error";
  return r;
}

}  // namespace au::portal
