// Request and response values exchanged between the HTTP server and the application.
//
// Contract: the server (web/server.h) parses the wire, enforces the protocol limits and hands
// a fully-read Request to one Handler; the Handler returns a Response value. Nothing here
// depends on Boost: application modules include this header only.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace au::web {

struct GzipWithHole;  // web/gzip.h

// Header names compare case-insensitively (RFC 9110 §5.1).
struct CaseInsensitiveLess {
  bool operator()(std::string_view a, std::string_view b) const noexcept;
  using is_transparent = void;
};
using Headers = std::map<std::string, std::string, CaseInsensitiveLess>;
// ASCII case-insensitive equality (header names, tokens, codings).
bool iequals(std::string_view a, std::string_view b) noexcept;

struct Request {
  std::string method;      // "GET", "POST", ...
  std::string target;      // raw request-target: path and query, percent-encoded
  std::string path;        // percent-decoded path (valid UTF-8 is NOT guaranteed: check it)
  std::string query;       // raw query string, without '?'
  Headers headers;
  std::string body;
  std::string remote_addr;

  std::string header(std::string_view name) const;
};

struct Response;

// A response the Handler cannot give before returning: it waits for work done on another
// thread (the practices ingest acknowledges an event only after its group commit). The Handler
// returns a Response whose `deferred` is set; the server keeps the connection waiting and
// writes whatever is passed to resolve(), which may be called from any thread, exactly once.
class Deferred {
 public:
  void resolve(Response r);
  // Set once, by whoever waits (the server, or a wrapper that passes it on).
  void on_resolved(std::function<void(Response)> f);

 private:
  std::mutex mutex_;
  std::unique_ptr<Response> value_;
  std::function<void(Response)> waiter_;
  bool delivered_ = false;
};

struct Response {
  int status = 200;
  Headers headers;
  std::string body;
  // Cached responses share their bytes instead of copying them per request. When set,
  // shared_body replaces body, and shared_gzip (already compressed) is sent to clients that
  // accept gzip. Otherwise the server gzips compressible bodies over 1 KiB on the fly.
  std::shared_ptr<const std::string> shared_body;
  std::shared_ptr<const std::string> shared_gzip;
  // Set by the portal on cached pages: shared_gzip cut around the personal-area button, so a
  // logged-in person's copy is made without recompressing (portal.cpp, personalise()).
  std::shared_ptr<const GzipWithHole> gzip_with_hole;
  // Each sent as its own Set-Cookie header (Headers holds one value per name).
  std::vector<std::string> set_cookies;
  // Route name for metrics ("service_page", "api_services"...): bounded cardinality.
  std::string route = "unmatched";
  // Set when the answer comes later (see Deferred); the other members are then ignored.
  std::shared_ptr<Deferred> deferred;

  Response() = default;
  Response(int s, std::string content_type, std::string b) : status(s), body(std::move(b)) {
    headers["Content-Type"] = std::move(content_type);
  }
};

using Handler = std::function<Response(const Request&)>;

// Query string (or form body): decoded key/value pairs in order. Malformed escapes and
// decoded bytes that are not valid UTF-8 fail the parse.
// True for "application/json" with or without parameters ("; charset=utf-8"), any case;
// false for look-alikes such as "application/jsonx".
bool is_json_media_type(std::string_view content_type);

// A positive decimal id of at most 18 digits ("42"), nullopt for anything else ("0", "-1", "4x").
std::optional<long long> parse_positive_id(std::string_view text);

struct QueryParam { std::string key, value; };
bool parse_query(std::string_view raw, std::vector<QueryParam>& out);
// Percent-decoding; '+' becomes ' ' when form is true. Returns false on a bad escape.
bool percent_decode(std::string_view in, std::string& out, bool form);
std::string percent_encode(std::string_view in);
bool valid_utf8(std::string_view s);
// "/a/b//c/" -> {"a", "b", "c"}: the non-empty segments of a decoded path.
std::vector<std::string> split_path(std::string_view path);

}  // namespace au::web
