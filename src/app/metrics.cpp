#include "app/metrics.h"

#include <sstream>

namespace au::app {

void Metrics::observe(const std::string& route, int status, double seconds) {
  std::lock_guard lock(mutex_);
  Series& s = series_[route];
  s.by_status[status]++;
  s.count++;
  s.sum += seconds;
  for (std::size_t i = 0; i < kBuckets.size(); ++i)
    if (seconds <= kBuckets[i]) s.buckets[i]++;
}

std::string Metrics::render(const std::map<std::string, double>& gauges) const {
  std::ostringstream out;
  out << "# HELP au_http_requests_total HTTP requests by route and status.\n# TYPE au_http_requests_total counter\n";
  std::lock_guard lock(mutex_);
  for (const auto& [route, s] : series_)
    for (const auto& [status, n] : s.by_status)
      out << "au_http_requests_total{route=\"" << route << "\",status=\"" << status << "\"} " << n << "\n";
  out << "# HELP au_http_request_duration_seconds Request latency by route.\n"
         "# TYPE au_http_request_duration_seconds histogram\n";
  for (const auto& [route, s] : series_) {
    for (std::size_t i = 0; i < kBuckets.size(); ++i)
      out << "au_http_request_duration_seconds_bucket{route=\"" << route << "\",le=\"" << kBuckets[i] << "\"} "
          << s.buckets[i] << "\n";
    out << "au_http_request_duration_seconds_bucket{route=\"" << route << "\",le=\"+Inf\"} " << s.count << "\n";
    out << "au_http_request_duration_seconds_sum{route=\"" << route << "\"} " << s.sum << "\n";
    out << "au_http_request_duration_seconds_count{route=\"" << route << "\"} " << s.count << "\n";
  }
  for (const auto& [name, value] : gauges) out << "# TYPE " << name << " gauge\n" << name << " " << value << "\n";
  return out.str();
}

}  // namespace au::app
