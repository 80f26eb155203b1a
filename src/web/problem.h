// RFC 9457 problem details: the one error format of the JSON API.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "web/http.h"

namespace au::web {

// {"type","title","status","detail"} plus any extra members; Content-Type application/problem+json.
Response problem(int status, const std::string& title, const std::string& detail,
                 const nlohmann::json& extra = nlohmann::json::object());
Response json_response(int status, const nlohmann::json& body);

}  // namespace au::web
