#include "web/problem.h"

namespace au::web {

Response problem(int status, const std::string& title, const std::string& detail, const nlohmann::json& extra) {
  nlohmann::json body = {{"type", "about:blank"}, {"title", title}, {"status", status}, {"detail", detail}};
  for (auto it = extra.begin(); it != extra.end(); ++it) body[it.key()] = it.value();
  // error_handler_t::replace: a detail echoing invalid UTF-8 from a request must not throw.
  Response r(status, "application/problem+json",
             body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  r.route = "problem";
  return r;
}

Response json_response(int status, const nlohmann::json& body) {
  return Response(status, "application/json", body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

}  // namespace au::web
