#include "app/link_checker.h"

#include <curl/curl.h>

#include <atomic>
#include <map>
#include <mutex>
#include <thread>

namespace au::app {

namespace {

size_t discard(char*, size_t size, size_t n, void*) { return size * n; }

long fetch(const std::string& url, bool head, int timeout, std::string& error) {
  CURL* c = curl_easy_init();
  if (!c) {
    error = "curl non disponibile";
    return 0;
  }
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_NOBODY, head ? 1L : 0L);
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(c, CURLOPT_MAXREDIRS, 8L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT, static_cast<long>(timeout));
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, static_cast<long>(timeout));
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
  curl_easy_setopt(c, CURLOPT_USERAGENT, "AccessoUnico-LinkCheck/1.0");
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  CURLcode rc = curl_easy_perform(c);
  long status = 0;
  if (rc == CURLE_OK) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  else error = curl_easy_strerror(rc);
  curl_easy_cleanup(c);
  return status;
}

}  // namespace

std::vector<LinkResult> check_urls(std::vector<LinkResult> links, const LinkCheckOptions& options,
                                   const std::function<void(const std::string&)>& report) {
  curl_global_init(CURL_GLOBAL_DEFAULT);
  std::atomic<std::size_t> next{0};
  std::mutex out_mutex;
  auto worker = [&] {
    for (std::size_t i; (i = next++) < links.size();) {
      LinkResult& r = links[i];
      std::string error;
      r.status = fetch(r.url, true, options.timeout_seconds, error);
      // Some servers refuse HEAD: confirm a failure with GET before calling the link broken.
      if (r.status == 0 || r.status >= 400) {
        error.clear();
        r.status = fetch(r.url, false, options.timeout_seconds, error);
      }
      r.ok = r.status >= 200 && r.status < 400;
      r.error = r.ok ? "" : (r.status ? "HTTP " + std::to_string(r.status) : error);
      if (report && !r.ok) {
        std::lock_guard lock(out_mutex);
        std::string users;
        for (const auto& u : r.used_by) users += (users.empty() ? "" : ", ") + u;
        report("NON FUNZIONA " + r.url + " (" + r.error + ") usato da: " + users);
      }
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < options.concurrency; ++t) threads.emplace_back(worker);
  for (auto& t : threads) t.join();
  return links;
}

std::vector<LinkResult> check_links(const domain::CatalogSnapshot& cat, const LinkCheckOptions& options,
                                    const std::function<void(const std::string&)>& report) {
  std::map<std::string, std::vector<std::string>> users;
  auto add = [&](const std::string& url, const std::string& user) {
    if (url.rfind("http://", 0) == 0 || url.rfind("https://", 0) == 0) users[url].push_back(user);
  };
  for (const auto& s : cat.services()) {
    for (const auto& ch : s.channels) add(ch.url, s.slug);
    for (const auto& d : s.documents) add(d.url, s.slug);
  }
  for (const auto& v : cat.variants()) {
    const auto* s = cat.service_by_id(v.service_id);
    const auto* e = cat.ente_by_id(v.ente_id);
    add(v.channel_url, (s ? s->slug : v.service_id) + "/" + (e ? e->slug : v.ente_id));
  }
  std::vector<LinkResult> links;
  for (auto& [url, u] : users) links.push_back({url, u, false, 0, ""});
  return check_urls(std::move(links), options, report);
}

}  // namespace au::app
