// `accesso-unico links check`: every outbound URL of the catalogue (online channels, the
// comuni's front offices, documents) fetched concurrently with a timeout, redirects followed.
// A URL is broken when it does not answer, or answers 4xx/5xx to HEAD and then to GET.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "domain/catalog_snapshot.h"

namespace au::app {

struct LinkCheckOptions {
  int timeout_seconds = 10;
  int concurrency = 8;
};

struct LinkResult {
  std::string url;
  std::vector<std::string> used_by;  // "service-slug" or "service-slug/comune-slug"
  bool ok = false;
  long status = 0;                   // final HTTP status, 0 when no answer
  std::string error;                 // transport error or "HTTP 404"
};

std::vector<LinkResult> check_links(const domain::CatalogSnapshot& cat, const LinkCheckOptions& options,
                                    const std::function<void(const std::string&)>& report);
std::vector<LinkResult> check_urls(std::vector<LinkResult> links, const LinkCheckOptions& options,
                                   const std::function<void(const std::string&)>& report);

}  // namespace au::app
