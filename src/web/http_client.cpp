#include "web/http_client.h"

#include <curl/curl.h>
#include <sys/socket.h>

#include <memory>
#include <mutex>

#include "web/public_address.h"

namespace au::web {

namespace {

struct Sink {
  OutboundResponse* out;
  std::size_t limit;
};

std::size_t on_body(char* data, std::size_t size, std::size_t n, void* user) {
  auto* sink = static_cast<Sink*>(user);
  std::size_t bytes = size * n;
  std::size_t room = sink->limit > sink->out->body.size() ? sink->limit - sink->out->body.size() : 0;
  if (bytes > room) {
    sink->out->body.append(data, room);
    sink->out->truncated = true;
    return 0;  // makes curl stop with CURLE_WRITE_ERROR: we do not read beyond the limit
  }
  sink->out->body.append(data, bytes);
  return bytes;
}

std::size_t on_header(char* data, std::size_t size, std::size_t n, void* user) {
  auto* out = static_cast<OutboundResponse*>(user);
  std::string line(data, size * n);
  auto colon = line.find(':');
  if (colon != std::string::npos) {
    std::string name = line.substr(0, colon), value = line.substr(colon + 1);
    auto trim = [](std::string& s) {
      while (!s.empty() && (s.back() == '\r' || s.back() == '\n' || s.back() == ' ')) s.pop_back();
      std::size_t i = 0;
      while (i < s.size() && s[i] == ' ') ++i;
      s.erase(0, i);
    };
    trim(value);
    out->headers[name] = value;
  } else if (line.rfind("HTTP/", 0) == 0) {
    out->headers.clear();  // a new response (after 100 Continue): keep only the final headers
  }
  return size * n;
}

struct AddressCheck {
  bool refused = false;      // an internal address was not connected to
  bool tried_public = false;  // a public one was (its failure, if any, is an ordinary one)
};

// CURLOPT_OPENSOCKETFUNCTION: curl has resolved the host and asks for a socket to one of its
// addresses; an internal one gets none (curl then tries the host's other addresses, if any).
curl_socket_t open_public_socket(void* check, curlsocktype purpose, curl_sockaddr* address) {
  auto* c = static_cast<AddressCheck*>(check);
  if (purpose != CURLSOCKTYPE_IPCXN || !is_public_address(&address->addr)) {
    c->refused = true;
    return CURL_SOCKET_BAD;
  }
  c->tried_public = true;
  return socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
}

}  // namespace

OutboundResponse http_send(const OutboundRequest& req) {
  static std::once_flag init;
  std::call_once(init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  OutboundResponse out;
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) {
    out.error = "curl_easy_init failed";
    return out;
  }
  CURL* h = curl.get();
  Sink sink{&out, req.max_body_bytes};
  curl_easy_setopt(h, CURLOPT_URL, req.url.c_str());
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, req.timeout_ms);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, std::min(req.timeout_ms, 3000L));
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &out);
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
  AddressCheck check;
  if (req.public_addresses_only) {
    curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, open_public_socket);
    curl_easy_setopt(h, CURLOPT_OPENSOCKETDATA, &check);
  }
  if (req.method == "HEAD") {
    curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
  } else if (req.method != "GET") {
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, req.method.c_str());
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, req.body.data());
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(req.body.size()));
  }
  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> list(nullptr, curl_slist_free_all);
  for (const auto& [k, v] : req.headers) {
    std::string line = k + ": " + v;
    list.reset(curl_slist_append(list.release(), line.c_str()));
  }
  if (list) curl_easy_setopt(h, CURLOPT_HTTPHEADER, list.get());
  CURLcode rc = curl_easy_perform(h);
  if (rc != CURLE_OK && !(rc == CURLE_WRITE_ERROR && out.truncated)) {
    out.refused_address = check.refused && !check.tried_public;
    out.error = out.refused_address ? "l'host porta a un indirizzo di rete interno: connessione non tentata"
                                    : curl_easy_strerror(rc);
    out.status = 0;
    return out;
  }
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &out.status);
  return out;
}

}  // namespace au::web
