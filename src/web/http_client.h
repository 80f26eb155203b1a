// Outbound HTTP for talking to other systems (the OpenID provider, back-office feeds,
// webhooks), on libcurl.
//
// Contract: one blocking request per call, safe to call from several threads at once (each
// call uses its own easy handle). Redirects are not followed: callers decide. Timeouts are
// mandatory; a transport failure (refused, timeout, TLS) comes back as status 0 with `error`
// set, never as an exception. Response bodies larger than max_body_bytes are cut and flagged.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "web/http.h"

namespace au::web {

struct OutboundRequest {
  std::string method = "GET";
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  long timeout_ms = 5000;
  std::size_t max_body_bytes = 1 << 20;
  // For a URL chosen by a member of the public: connect only to public addresses, checked on
  // the resolved address itself (web/public_address.h).
  bool public_addresses_only = false;
};

struct OutboundResponse {
  long status = 0;  // 0: no HTTP answer (see error)
  Headers headers;
  std::string body;
  std::string error;
  bool truncated = false;
  bool refused_address = false;  // public_addresses_only: every address of the host was internal
};

OutboundResponse http_send(const OutboundRequest& req);

}  // namespace au::web
