// JSON form of the catalogue types: what the database stores in *_json columns and what the
// API returns. Unknown keys are ignored when reading; missing keys take the C++ defaults.
// Reading a wrongly-typed field throws nlohmann::json::exception naming the field.
#pragma once

#include <nlohmann/json.hpp>

#include "domain/catalog.h"

namespace au::domain {

void to_json(nlohmann::json& j, const Contacts& c);
void from_json(const nlohmann::json& j, Contacts& c);
void to_json(nlohmann::json& j, const Ente& e);
void from_json(const nlohmann::json& j, Ente& e);
void to_json(nlohmann::json& j, const Channel& c);
void from_json(const nlohmann::json& j, Channel& c);
void to_json(nlohmann::json& j, const Cost& c);
void from_json(const nlohmann::json& j, Cost& c);
void to_json(nlohmann::json& j, const Document& d);
void from_json(const nlohmann::json& j, Document& d);
void to_json(nlohmann::json& j, const Section& s);
void from_json(const nlohmann::json& j, Section& s);
void to_json(nlohmann::json& j, const ServiceTexts& t);
void from_json(const nlohmann::json& j, ServiceTexts& t);
void to_json(nlohmann::json& j, const Service& s);
void from_json(const nlohmann::json& j, Service& s);
void to_json(nlohmann::json& j, const ServiceVariant& v);
void from_json(const nlohmann::json& j, ServiceVariant& v);

// A stable digest of a JSON value (FNV-1a 64 over its compact dump), used to detect changes.
std::string content_hash(const nlohmann::json& j);

}  // namespace au::domain
