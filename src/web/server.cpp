// Boost 1.74's Asio uses std::exchange without including <utility>, which GCC 12 no longer
// pulls in transitively: it must come before any Boost header.
#include <utility>

#include "web/server.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <condition_variable>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/status.hpp>
#include <spdlog/spdlog.h>

#include "web/gzip.h"

namespace au::web {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;
using Clock = std::chrono::steady_clock;
// Concrete executor types instead of any_io_executor: no type erasure on every operation.
using Executor = asio::io_context::executor_type;
using Strand = asio::strand<Executor>;
using Socket = asio::basic_stream_socket<tcp, Strand>;
using Acceptor = asio::basic_socket_acceptor<tcp, Strand>;
using Timer = asio::basic_waitable_timer<Clock, asio::wait_traits<Clock>, Strand>;

constexpr auto kTick = std::chrono::milliseconds(250);
constexpr auto kGracePeriod = std::chrono::seconds(10);
// After a final answer we half-close and drain what the client is still sending: closing
// with unread input makes the kernel send RST, which can destroy the answer in flight
// (a 413 while the client is still uploading, for instance).
constexpr auto kLingerTime = std::chrono::seconds(2);
constexpr std::size_t kKeepBodyCapacity = 64 * 1024;
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
constexpr std::string_view kPlainText = "text/plain; charset=utf-8";


// True when a comma-separated header value lists `token` (case-insensitive).
bool has_token(std::string_view list, std::string_view token) {
  while (!list.empty()) {
    const std::size_t comma = list.find(',');
    std::string_view item = list.substr(0, comma);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
    if (iequals(item, token)) return true;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return false;
}

bool is_token_char(unsigned char c) {
  if (c >= 'a' && c <= 'z') return true;
  if (c >= 'A' && c <= 'Z') return true;
  if (c >= '0' && c <= '9') return true;
  switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+':
    case '-': case '.': case '^': case '_': case '`': case '|': case '~':
      return true;
    default:
      return false;
  }
}

// A Handler copying user input into a header must not be able to split the response.
bool valid_header(std::string_view name, std::string_view value) {
  if (name.empty()) return false;
  for (char c : name) {
    if (!is_token_char(static_cast<unsigned char>(c))) return false;
  }
  for (char c : value) {
    if (c == '\r' || c == '\n' || c == '\0') return false;
  }
  return true;
}

// Framing headers are computed from the body actually sent: a Handler's own values could
// contradict it and desynchronise the connection.
bool framing_header(std::string_view name) {
  return iequals(name, "Content-Length") || iequals(name, "Transfer-Encoding") ||
         iequals(name, "Connection") || iequals(name, "Keep-Alive");
}

std::string_view error_text(int status) {
  switch (status) {
    case 400: return "400 Richiesta non valida\n400 Bad Request\n";
    case 408: return "408 Tempo scaduto per la richiesta\n408 Request Timeout\n";
    case 413: return "413 Contenuto della richiesta troppo grande\n413 Content Too Large\n";
    case 414: return "414 Indirizzo della richiesta troppo lungo\n414 URI Too Long\n";
    case 431:
      return "431 Intestazioni della richiesta troppo grandi\n"
             "431 Request Header Fields Too Large\n";
    default: return "500 Errore interno del server\n500 Internal Server Error\n";
  }
}

// The same protocol errors for API clients, as RFC 9457 problem details (the API's one error
// format): title is the Italian line of error_text.
std::string problem_text(int status) {
  std::string_view text = error_text(status);
  std::string_view title = text.substr(0, text.find('\n'));
  title.remove_prefix(std::min<std::size_t>(4, title.size()));  // "413 "
  return "{\"type\":\"about:blank\",\"title\":\"" + std::string(title) + "\",\"status\":" + std::to_string(status) +
         ",\"detail\":\"" + std::string(title) + ".\"}";
}

void append_number(std::string& out, std::size_t n) {
  char digits[24];
  char* p = digits + sizeof digits;
  do {
    *--p = static_cast<char>('0' + n % 10);
    n /= 10;
  } while (n != 0);
  out.append(p, static_cast<std::size_t>(digits + sizeof digits - p));
}

// Parses straight into the application's Request, so a request's headers are stored once
// (no Beast fields container copied into the map afterwards).
class RequestParser final : public http::basic_parser<true> {
 public:
  RequestParser(Request& request, const ServerLimits& limits) : request_(request), limits_(limits) {
    header_limit(static_cast<std::uint32_t>(std::min<std::size_t>(limits.max_header_bytes, UINT32_MAX)));
    body_limit(limits.max_body_bytes);
    eager(true);
  }

  int failure_status() const { return failure_status_; }
  bool start_line_done() const { return start_line_done_; }
  bool expects_continue() const { return expect_continue_; }
  int version() const { return version_; }

 private:
  void on_request_impl(http::verb, std::string_view method, std::string_view target, int version,
                       error_code& ec) override {
    start_line_done_ = true;
    if (target.size() > limits_.max_uri_bytes) {
      failure_status_ = 414;
      ec = http::error::bad_target;
      return;
    }
    request_.method.assign(method.data(), method.size());
    request_.target.assign(target.data(), target.size());
    version_ = version;
    // Beast applies header_limit to the fields alone once the request line is consumed;
    // shrinking it by the line's length makes the limit cover the whole header section.
    const std::size_t line = method.size() + 1 + target.size() + 1 + 8 + 2;
    const std::size_t rest = limits_.max_header_bytes > line ? limits_.max_header_bytes - line : 1;
    header_limit(static_cast<std::uint32_t>(std::min<std::size_t>(rest, UINT32_MAX)));
  }

  void on_response_impl(int, std::string_view, int, error_code& ec) override {
    ec = http::error::bad_version;
  }

  void on_field_impl(http::field f, std::string_view name, std::string_view value,
                     error_code& ec) override {
    // Chunked trailers arrive through here too; they must not inject headers that were
    // already validated (Host, Content-Length...).
    if (header_done_) return;
    if (f == http::field::host) ++host_count_;
    if (f == http::field::expect && iequals(value, "100-continue")) expect_continue_ = true;
    auto [it, inserted] = request_.headers.try_emplace(std::string(name), value);
    if (!inserted) {
      // RFC 9110 §5.3 list folding; Cookie is the one header joined with "; ".
      it->second.append(f == http::field::cookie ? "; " : ", ");
      it->second.append(value.data(), value.size());
    }
  }

  void on_header_impl(error_code& ec) override {
    header_done_ = true;
    // RFC 9112 §3.2: exactly one Host in HTTP/1.1, never more than one.
    if (host_count_ > 1 || (version_ >= 11 && host_count_ == 0)) {
      failure_status_ = 400;
      ec = http::error::bad_value;
      return;
    }
    // A request Transfer-Encoding that does not end in chunked has no knowable length
    // (RFC 9112 §6.3): reading on would let the body be taken for the next request.
    if (!chunked() && request_.headers.find("Transfer-Encoding") != request_.headers.end()) {
      failure_status_ = 400;
      ec = http::error::bad_transfer_encoding;
    }
  }

  void on_body_init_impl(const boost::optional<std::uint64_t>& length, error_code&) override {
    if (length) request_.body.reserve(static_cast<std::size_t>(*length));
  }

  std::size_t on_body_impl(std::string_view body, error_code&) override {
    request_.body.append(body.data(), body.size());
    return body.size();
  }

  void on_chunk_header_impl(std::uint64_t, std::string_view, error_code&) override {}

  std::size_t on_chunk_body_impl(std::uint64_t, std::string_view body, error_code&) override {
    request_.body.append(body.data(), body.size());
    return body.size();
  }

  void on_finish_impl(error_code&) override {}

  Request& request_;
  const ServerLimits& limits_;
  int failure_status_ = 0;
  int version_ = 11;
  int host_count_ = 0;
  bool start_line_done_ = false;
  bool header_done_ = false;
  bool expect_continue_ = false;
};

class Connection;

// What every connection shares: configuration, the Handler, the event loop that all
// worker threads run, and the registry of live connections that the sweeper walks for
// timeouts and that stop() walks to close idle keep-alive connections.
//
// One io_context run by all threads (a strand per connection) rather than one per thread:
// measured with wrk here, both cost about the same CPU per request and per-thread loops
// serve ~15% more requests when no Handler ever blocks; but when one blocks (an SQL or
// Xapian query) per-thread loops stall every connection pinned behind it, while a shared
// loop lets the other threads serve them (1.5x the throughput with 0.2% of requests
// blocking for 10 ms).
struct Core {
  Core(ServerOptions o, Handler h, unsigned threads)
      : options(std::move(o)), handler(std::move(h)), ioc(static_cast<int>(threads)) {}

  void link(Connection* c);
  bool unlink(Connection* c);  // true when the registry became empty
  std::vector<std::shared_ptr<Connection>> live_connections(std::int64_t due_before);
  void tick();
  void on_tick();
  void begin_stop();
  void force_stop();
  void finish_when_drained();

  const ServerOptions options;
  const Handler handler;
  // Read after a Handler returns: a stop that arrived while it ran must still turn its
  // answer into the connection's last one ("Connection: close").
  std::atomic<bool> stopping{false};
  std::mutex mutex;  // guards the intrusive list below
  Connection* head = nullptr;
  // After the registry: destroying the io_context destroys pending handlers, hence
  // connections, which unlink themselves.
  asio::io_context ioc;
  Timer ticker{asio::make_strand(ioc)};
};

// IMF-fixdate of the current second, formatted once per second per thread. By hand:
// strftime's %a and %b follow the process locale, and an Italian one breaks the format.
const std::string& date_line() {
  thread_local std::string line;
  thread_local std::time_t second = -1;
  const std::time_t now = std::time(nullptr);
  if (now != second) {
    second = now;
    std::tm tm{};
    gmtime_r(&now, &tm);
    static constexpr const char* days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static constexpr const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                             "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    char text[64];
    std::snprintf(text, sizeof text, "Date: %s, %02d %s %04d %02d:%02d:%02d GMT\r\n",
                  days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour,
                  tm.tm_min, tm.tm_sec);
    line = text;
  }
  return line;
}

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(Core& core, Socket socket)
      : core_(core), limits_(core.options.limits), socket_(std::move(socket)) {}

  ~Connection() { core_.unlink(this); }

  Strand executor() { return socket_.get_executor(); }

  // Runs on the connection's strand, like every member below.
  void start() {
    if (core_.stopping.load()) {
      error_code ignored;
      socket_.close(ignored);
      return;
    }
    core_.link(this);
    error_code ec;
    socket_.set_option(tcp::no_delay(true), ec);
    const auto remote = socket_.remote_endpoint(ec);
    if (ec) {
      close_now();
      return;
    }
    request_.remote_addr = remote.address().to_string();
    // The first request gets read_timeout, not idle_timeout: a connection that never
    // speaks should not hold a slot for a minute.
    phase_ = Phase::idle;
    set_deadline(Clock::now() + limits_.read_timeout);
    read_more();
  }

  // Read by the sweeper from another thread, hence atomic; everything else about the
  // deadline is decided again on the strand in on_deadline().
  std::int64_t deadline() const { return deadline_.load(std::memory_order_relaxed); }

  void check_deadline() {
    asio::post(executor(), [self = shared_from_this()] { self->on_deadline(); });
  }

  void on_deadline() {
    if (phase_ == Phase::closed || phase_ == Phase::handling) return;
    if (Clock::now().time_since_epoch().count() < deadline()) return;
    if (phase_ == Phase::reading) {
      // A read is pending: cancel it so that its completion cannot race the 408.
      error_code ec;
      socket_.cancel(ec);
      send_error(408);
    } else {
      close_now();  // idle keep-alive, stalled writer or lingering close
    }
  }

  void on_server_stop() {
    if (phase_ == Phase::idle) close_now();
  }

  void close_now() {
    if (phase_ == Phase::closed) return;
    phase_ = Phase::closed;
    error_code ec;
    socket_.close(ec);
    if (core_.unlink(this) && core_.stopping.load()) core_.finish_when_drained();
  }

  Connection* prev = nullptr;
  Connection* next = nullptr;
  bool linked = false;

 private:
  enum class Phase { idle, reading, handling, writing, lingering, closed };

  void read_more() {
    const std::size_t space = buffer_.capacity() - buffer_.size();
    const std::size_t want = std::clamp<std::size_t>(space, 4096, 65536);
    socket_.async_read_some(buffer_.prepare(want),
                            [self = shared_from_this()](error_code ec, std::size_t n) {
                              self->on_read(ec, n);
                            });
  }

  void on_read(error_code ec, std::size_t n) {
    if (phase_ != Phase::idle && phase_ != Phase::reading) return;
    if (ec) {
      // EOF or reset: a partial request cannot be answered to a peer that has gone.
      close_now();
      return;
    }
    buffer_.commit(n);
    if (phase_ == Phase::idle) begin_request();
    parse();
  }

  void begin_request() {
    phase_ = Phase::reading;
    set_deadline(Clock::now() + limits_.read_timeout);
  }

  void set_deadline(Clock::time_point when) {
    deadline_.store(when.time_since_epoch().count(), std::memory_order_relaxed);
  }

  void parse() {
    if (!parser_) {
      reset_request();
      parser_.emplace(request_, limits_);
    }
    while (buffer_.size() > 0) {
      error_code ec;
      const std::size_t used = parser_->put(buffer_.data(), ec);
      buffer_.consume(used);
      if (ec == http::error::need_more) break;
      if (ec) {
        send_error(failure_status(ec));
        return;
      }
      if (parser_->is_done()) {
        handle_request();
        return;
      }
      if (used == 0) break;
    }
    if (!parser_->start_line_done() && target_too_long_in_buffer()) {
      send_error(414);
      return;
    }
    if (parser_->is_header_done() && parser_->expects_continue() && !continue_sent_ &&
        parser_->version() >= 11) {
      send_continue();
      return;
    }
    read_more();
  }

  int failure_status(error_code ec) const {
    if (parser_->failure_status() != 0) return parser_->failure_status();
    if (ec == http::error::header_limit) {
      return !parser_->start_line_done() && target_too_long_in_buffer() ? 414 : 431;
    }
    if (ec == http::error::body_limit) return 413;
    return 400;
  }

  // Until Beast has the whole request line the target length is unknown to it; the
  // partial line is still at the front of the buffer (nothing is consumed before the
  // line is complete), so a long target is recognised as 414 instead of 431 or a wait.
  bool target_too_long_in_buffer() const {
    const auto data = buffer_.data();
    const std::string_view bytes(static_cast<const char*>(data.data()), data.size());
    const std::size_t sp = bytes.find(' ');
    if (sp == std::string_view::npos || sp > 32) return false;
    const std::size_t end = bytes.find_first_of(" \r\n", sp + 1);
    const std::size_t length = (end == std::string_view::npos ? bytes.size() : end) - sp - 1;
    return length > limits_.max_uri_bytes;
  }

  void reset_request() {
    request_.method.clear();
    request_.target.clear();
    request_.path.clear();
    request_.query.clear();
    request_.headers.clear();
    if (request_.body.capacity() > kKeepBodyCapacity) {
      std::string().swap(request_.body);
    } else {
      request_.body.clear();
    }
    continue_sent_ = false;
  }

  void send_continue() {
    continue_sent_ = true;
    asio::async_write(socket_, asio::buffer(kContinue.data(), kContinue.size()),
                      [self = shared_from_this()](error_code ec, std::size_t) {
                        if (self->phase_ != Phase::reading) return;
                        if (ec) {
                          self->close_now();
                          return;
                        }
                        self->read_more();
                      });
  }

  // Splits the target into path and query and decodes the path. Accepts origin-form,
  // absolute-form (RFC 9112 §3.2.2: servers must accept it) and "*" for OPTIONS.
  bool split_target() {
    std::string_view t = request_.target;
    if (t == "*") {
      request_.path = "*";
      return request_.method == "OPTIONS";
    }
    for (std::string_view scheme : {std::string_view("http://"), std::string_view("https://")}) {
      if (t.size() >= scheme.size() && iequals(t.substr(0, scheme.size()), scheme)) {
        t.remove_prefix(scheme.size());
        const std::size_t start = t.find_first_of("/?");
        if (start == std::string_view::npos) {
          t = "/";
        } else if (t[start] == '?') {
          request_.query.assign(t.substr(start + 1));
          t = "/";
        } else {
          t.remove_prefix(start);
        }
        break;
      }
    }
    if (t.empty() || t.front() != '/') return false;
    const std::size_t q = t.find('?');
    if (q != std::string_view::npos) {
      request_.query.assign(t.substr(q + 1));
      t = t.substr(0, q);
    }
    if (!percent_decode(t, request_.path, false)) return false;
    // "%00" would truncate the path in any C API the Handler passes it to.
    return request_.path.find('\0') == std::string::npos;
  }

  void handle_request() {
    phase_ = Phase::handling;
    // A Handler may legitimately run long; the sweeper has nothing to do until it returns.
    deadline_.store(INT64_MAX, std::memory_order_relaxed);
    const bool http10 = parser_->version() < 11;
    bool keep_alive = parser_->keep_alive();
    parser_.reset();
    ++served_;
    if (!split_target()) {
      send_error(400);
      return;
    }
    try {
      response_ = core_.handler(request_);
    } catch (...) {
      // The exception text may quote request data or internals: it goes neither to the
      // client nor to the log. The route is unknown, since the Handler names it in the
      // Response it did not return, so the method is all that is logged.
      spdlog::error("web: handler threw an exception (method={}, route=unknown)",
                    request_.method.size() <= 16 ? std::string_view(request_.method)
                                                 : std::string_view("?"));
      response_ = Response(500, std::string(kPlainText), std::string(error_text(500)));
      response_.route = "error";
    }
    if (response_.deferred) {
      // Answer later, on this connection's strand; a connection closed meanwhile (server
      // stop, client gone) just drops the answer.
      std::shared_ptr<Deferred> later = std::move(response_.deferred);
      later->on_resolved([self = shared_from_this(), keep_alive, http10](Response r) {
        asio::post(self->executor(), [self, r = std::move(r), keep_alive, http10]() mutable {
          if (self->phase_ != Phase::handling) return;
          self->response_ = std::move(r);
          self->response_.deferred.reset();
          self->finish_response(keep_alive, http10);
        });
      });
      return;
    }
    finish_response(keep_alive, http10);
  }

  void finish_response(bool keep_alive, bool http10) {
    keep_alive = keep_alive && served_ < limits_.max_requests_per_connection &&
                 !core_.stopping.load(std::memory_order_relaxed);
    if (auto it = response_.headers.find("Connection");
        it != response_.headers.end() && has_token(it->second, "close")) {
      keep_alive = false;
    }
    std::string_view accept_encoding;
    if (auto it = request_.headers.find("Accept-Encoding"); it != request_.headers.end()) {
      accept_encoding = it->second;
    }
    prepare_response(accept_encoding, keep_alive, http10, request_.method == "HEAD");
    close_after_write_ = !keep_alive;
    write_response();
  }

  void send_error(int status) {
    // The target is known when the start line was read: API paths get problem+json.
    if (request_.target.rfind("/api/", 0) == 0)
      response_ = Response(status, "application/problem+json", problem_text(status));
    else
      response_ = Response(status, std::string(kPlainText), std::string(error_text(status)));
    response_.route = "protocol_error";
    prepare_response({}, false, false, false);
    close_after_write_ = true;
    parser_.reset();
    write_response();
  }

  const std::string* find_header(std::string_view name) const {
    if (auto it = response_.headers.find(name); it != response_.headers.end()) return &it->second;
    const Headers& defaults = core_.options.default_headers;
    if (auto it = defaults.find(name); it != defaults.end()) return &it->second;
    return nullptr;
  }

  void emit_header(std::string_view name, std::string_view value) {
    if (!valid_header(name, value)) {
      spdlog::warn("web: dropped a response header with invalid characters (route={})",
                   response_.route);
      return;
    }
    head_.append(name.data(), name.size());
    head_.append(": ", 2);
    head_.append(value.data(), value.size());
    head_.append("\r\n", 2);
  }

  // Serialises the status line and headers into head_ (reused, so no allocation once
  // warm) and points body_out_ at the bytes to send; shared bodies are never copied.
  void prepare_response(std::string_view accept_encoding, bool keep_alive, bool http10, bool head) {
    const Response& r = response_;
    int status = r.status;
    if (status < 200 || status > 599) {
      spdlog::error("web: handler returned invalid status {} (route={})", status, r.route);
      response_ = Response(500, std::string(kPlainText), std::string(error_text(500)));
      status = 500;
    }
    const bool bodyless = status == 204 || status == 304;
    std::string_view body = r.shared_body ? std::string_view(*r.shared_body) : std::string_view(r.body);
    bool gzip = false;
    bool vary = false;
    if (!bodyless) {
      const std::string* type = find_header("Content-Type");
      const bool compressible = type != nullptr && compressible_type(*type);
      vary = compressible || r.shared_gzip != nullptr;
      if (vary && find_header("Content-Encoding") == nullptr && accepts_gzip(accept_encoding)) {
        if (r.shared_gzip) {
          body = *r.shared_gzip;
          gzip = true;
        } else if (compressible && body.size() >= 1024) {
          try {
            gzipped_ = gzip_compress(body);
            if (gzipped_.size() < body.size()) {
              body = gzipped_;
              gzip = true;
            }
          } catch (const std::exception&) {
            // identity is always acceptable: send the body uncompressed
          }
        }
      }
    }

    head_.clear();
    head_.append("HTTP/1.1 ", 9);
    append_number(head_, static_cast<std::size_t>(status));
    head_.push_back(' ');
    const auto known = http::int_to_status(static_cast<unsigned>(status));
    if (known != http::status::unknown) {
      const auto reason = http::obsolete_reason(known);
      head_.append(reason.data(), reason.size());
    }
    head_.append("\r\n", 2);

    const auto skip = [&](std::string_view name) {
      return framing_header(name) || (vary && iequals(name, "Vary")) ||
             (gzip && iequals(name, "Content-Encoding"));
    };
    for (const auto& [name, value] : r.headers) {
      if (!skip(name)) emit_header(name, value);
    }
    for (const auto& [name, value] : core_.options.default_headers) {
      if (!skip(name) && r.headers.find(name) == r.headers.end()) emit_header(name, value);
    }
    for (const auto& cookie : r.set_cookies) emit_header("Set-Cookie", cookie);
    if (find_header("Date") == nullptr) head_.append(date_line());
    if (gzip) head_.append("Content-Encoding: gzip\r\n");
    if (vary) {
      const std::string* existing = find_header("Vary");
      if (existing == nullptr) {
        head_.append("Vary: Accept-Encoding\r\n");
      } else if (has_token(*existing, "Accept-Encoding") || has_token(*existing, "*")) {
        emit_header("Vary", *existing);
      } else {
        emit_header("Vary", *existing + ", Accept-Encoding");
      }
    }
    if (!bodyless) {
      head_.append("Content-Length: ");
      append_number(head_, body.size());
      head_.append("\r\n", 2);
    }
    if (!keep_alive) {
      head_.append("Connection: close\r\n");
    } else if (http10) {
      head_.append("Connection: keep-alive\r\n");
    }
    head_.append("\r\n", 2);
    body_out_ = (head || bodyless) ? std::string_view() : body;
  }

  void write_response() {
    phase_ = Phase::writing;
    // A client that stops reading must not pin the connection forever.
    set_deadline(Clock::now() + std::max(limits_.idle_timeout, limits_.read_timeout));
    const std::array<asio::const_buffer, 2> buffers{
        asio::buffer(head_.data(), head_.size()), asio::buffer(body_out_.data(), body_out_.size())};
    asio::async_write(socket_, buffers, [self = shared_from_this()](error_code ec, std::size_t) {
      self->on_write(ec);
    });
  }

  void on_write(error_code ec) {
    if (phase_ != Phase::writing) return;
    if (ec) {
      close_now();
      return;
    }
    // Drop what the answer pinned (shared pages, compressed copy) while the
    // connection sits idle.
    body_out_ = {};
    response_.shared_body.reset();
    response_.shared_gzip.reset();
    if (gzipped_.capacity() > kKeepBodyCapacity) std::string().swap(gzipped_);
    if (close_after_write_ || core_.stopping.load(std::memory_order_relaxed)) {
      start_linger();
      return;
    }
    phase_ = Phase::idle;
    set_deadline(Clock::now() + limits_.idle_timeout);
    if (buffer_.size() > 0) {
      // A pipelined request is already buffered: answer it before reading again.
      begin_request();
      parse();
    } else {
      read_more();
    }
  }

  void start_linger() {
    phase_ = Phase::lingering;
    set_deadline(Clock::now() + kLingerTime);
    error_code ec;
    socket_.shutdown(tcp::socket::shutdown_send, ec);
    if (ec) {
      close_now();
      return;
    }
    buffer_.clear();
    linger_read();
  }

  void linger_read() {
    socket_.async_read_some(buffer_.prepare(4096),
                            [self = shared_from_this()](error_code ec, std::size_t) {
                              if (self->phase_ != Phase::lingering) return;
                              if (ec) {
                                self->close_now();
                                return;
                              }
                              self->linger_read();
                            });
  }

  Core& core_;
  const ServerLimits& limits_;
  Socket socket_;
  boost::beast::flat_buffer buffer_;
  std::optional<RequestParser> parser_;
  Request request_;
  Response response_;
  std::string head_;
  std::string gzipped_;
  std::string_view body_out_;
  Phase phase_ = Phase::idle;
  std::atomic<std::int64_t> deadline_{INT64_MAX};
  std::size_t served_ = 0;
  bool close_after_write_ = false;
  bool continue_sent_ = false;
};

void Core::link(Connection* c) {
  std::lock_guard lock(mutex);
  c->prev = nullptr;
  c->next = head;
  if (head != nullptr) head->prev = c;
  head = c;
  c->linked = true;
}

bool Core::unlink(Connection* c) {
  std::lock_guard lock(mutex);
  if (!c->linked) return false;
  if (c->prev != nullptr) c->prev->next = c->next;
  if (c->next != nullptr) c->next->prev = c->prev;
  if (head == c) head = c->next;
  c->prev = c->next = nullptr;
  c->linked = false;
  return head == nullptr;
}

// Connections whose deadline is before `due_before`, kept alive for the caller. One that
// is already being destroyed (its count reached zero) is skipped: it is leaving anyway.
std::vector<std::shared_ptr<Connection>> Core::live_connections(std::int64_t due_before) {
  std::vector<std::shared_ptr<Connection>> out;
  std::lock_guard lock(mutex);
  for (Connection* c = head; c != nullptr; c = c->next) {
    if (c->deadline() >= due_before) continue;
    if (auto alive = c->weak_from_this().lock()) out.push_back(std::move(alive));
  }
  return out;
}

// One sweeper checks every deadline a few times a second, so a keep-alive request costs
// a clock read and an atomic store instead of arming and cancelling a timer.
void Core::tick() {
  ticker.expires_after(kTick);
  ticker.async_wait([this](error_code ec) {
    if (!ec) on_tick();
  });
}

void Core::on_tick() {
  const std::int64_t now = Clock::now().time_since_epoch().count();
  for (auto& c : live_connections(now + 1)) c->check_deadline();
  bool drained;
  {
    std::lock_guard lock(mutex);
    drained = head == nullptr;
  }
  if (stopping.load() && drained) return;  // no more work: let run() return
  tick();
}

void Core::begin_stop() {
  for (auto& c : live_connections(INT64_MAX)) {
    asio::post(c->executor(), [c] { c->on_server_stop(); });
  }
  finish_when_drained();
}

void Core::force_stop() {
  for (auto& c : live_connections(INT64_MAX)) {
    asio::post(c->executor(), [c] { c->close_now(); });
  }
  asio::post(ticker.get_executor(), [this] { ticker.cancel(); });
}

void Core::finish_when_drained() {
  asio::post(ticker.get_executor(), [this] {
    std::lock_guard lock(mutex);
    if (head == nullptr) ticker.cancel();
  });
}

}  // namespace

struct Server::Impl {
  enum class State { created, running, stopping, stopped };

  Impl(ServerOptions options, Handler handler) {
    unsigned n = options.threads;
    if (n == 0) n = std::max(1u, std::thread::hardware_concurrency());
    thread_count = n;
    core = std::make_unique<Core>(std::move(options), std::move(handler), n);
  }

  void start();
  void run();
  void stop();
  void wait();
  void shutdown();
  void accept_next();
  void on_accept(error_code ec);
  bool on_worker_thread() const;

  unsigned thread_count = 1;
  std::unique_ptr<Core> core;
  // The acceptor has its own strand so that stop() can close it from any thread.
  std::optional<Acceptor> acceptor;
  std::optional<Timer> accept_retry;
  std::optional<Socket> pending;
  unsigned short bound_port = 0;
  std::vector<std::thread> threads;
  std::vector<std::thread::id> thread_ids;

  std::mutex mutex;
  std::condition_variable changed;
  State state = State::created;
  unsigned running_threads = 0;
  std::thread stopper;
};

void Server::Impl::start() {
  std::lock_guard lock(mutex);
  if (state != State::created) throw std::logic_error("Server::start called twice");

  const std::string& host = core->options.host;
  const unsigned short port = core->options.port;
  tcp::endpoint endpoint;
  error_code ec;
  const auto address = asio::ip::make_address(host, ec);
  if (!ec) {
    endpoint = tcp::endpoint(address, port);
  } else {
    asio::ip::basic_resolver<tcp, Executor> resolver(core->ioc.get_executor());
    const auto results = resolver.resolve(host, std::to_string(port), ec);
    if (ec || results.empty()) {
      throw std::runtime_error("web server: cannot resolve " + host + ": " + ec.message());
    }
    endpoint = results.begin()->endpoint();
  }

  const Strand accept_strand = asio::make_strand(core->ioc);
  acceptor.emplace(accept_strand);
  acceptor->open(endpoint.protocol(), ec);
  if (!ec) acceptor->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor->bind(endpoint, ec);
  if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    acceptor.reset();
    throw std::runtime_error("web server: cannot listen on " + host + ":" + std::to_string(port) +
                             ": " + ec.message());
  }
  bound_port = acceptor->local_endpoint().port();
  accept_retry.emplace(accept_strand);

  core->tick();
  asio::post(accept_strand, [this] { accept_next(); });

  running_threads = thread_count;
  for (unsigned i = 0; i < thread_count; ++i) {
    threads.emplace_back([this] { run(); });
    thread_ids.push_back(threads.back().get_id());
  }
  state = State::running;
  spdlog::info("web: listening on {}:{} with {} threads", host, bound_port, thread_count);
}

void Server::Impl::run() {
  for (;;) {
    try {
      core->ioc.run();
      break;
    } catch (const std::exception& e) {
      spdlog::error("web: event loop caught: {}", e.what());
    } catch (...) {
      spdlog::error("web: event loop caught an unknown exception");
    }
  }
  std::lock_guard lock(mutex);
  --running_threads;
  changed.notify_all();
}

void Server::Impl::accept_next() {
  pending.emplace(asio::make_strand(core->ioc));
  acceptor->async_accept(*pending, [this](error_code ec) { on_accept(ec); });
}

void Server::Impl::on_accept(error_code ec) {
  if (ec == asio::error::operation_aborted || !acceptor->is_open()) return;
  if (ec) {
    if (ec == asio::error::no_descriptors || ec == asio::error::no_buffer_space ||
        ec == asio::error::no_memory || ec.value() == ENFILE) {
      // Retrying at once would spin: give the process time to release descriptors.
      spdlog::warn("web: accept failed: {}", ec.message());
      accept_retry->expires_after(std::chrono::milliseconds(100));
      accept_retry->async_wait([this](error_code wait_ec) {
        if (!wait_ec && acceptor->is_open()) accept_next();
      });
      return;
    }
    accept_next();
    return;
  }
  auto connection = std::make_shared<Connection>(*core, std::move(*pending));
  asio::post(connection->executor(), [connection] { connection->start(); });
  accept_next();
}

bool Server::Impl::on_worker_thread() const {
  const auto me = std::this_thread::get_id();
  return std::find(thread_ids.begin(), thread_ids.end(), me) != thread_ids.end();
}

void Server::Impl::stop() {
  std::unique_lock lock(mutex);
  switch (state) {
    case State::created:
      state = State::stopped;
      changed.notify_all();
      return;
    case State::stopping:
      if (!on_worker_thread()) changed.wait(lock, [&] { return state == State::stopped; });
      return;
    case State::stopped:
      return;
    case State::running:
      break;
  }
  state = State::stopping;
  // Set before returning, so that a Handler calling stop() sees its own answer close.
  core->stopping.store(true);
  if (on_worker_thread()) {
    // Joining our own thread would deadlock: a Handler asked for the stop, so let
    // another thread run it and return to the event loop.
    stopper = std::thread([this] { shutdown(); });
    return;
  }
  lock.unlock();
  shutdown();
}

void Server::Impl::shutdown() {
  asio::post(acceptor->get_executor(), [this] {
    error_code ec;
    acceptor->close(ec);
    accept_retry->cancel();
  });
  core->begin_stop();
  std::unique_lock lock(mutex);
  if (!changed.wait_for(lock, kGracePeriod, [&] { return running_threads == 0; })) {
    spdlog::warn("web: grace period over, closing the remaining connections");
    core->force_stop();
    if (!changed.wait_for(lock, std::chrono::seconds(1), [&] { return running_threads == 0; })) {
      core->ioc.stop();
    }
  }
  lock.unlock();
  for (auto& t : threads) {
    if (t.joinable()) t.join();
  }
  lock.lock();
  state = State::stopped;
  changed.notify_all();
  spdlog::info("web: stopped");
}

void Server::Impl::wait() {
  std::unique_lock lock(mutex);
  changed.wait(lock, [&] { return state == State::stopped; });
}

Server::Server(ServerOptions options, Handler handler)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(handler))) {}

Server::~Server() {
  impl_->stop();
  if (impl_->stopper.joinable()) {
    if (impl_->stopper.get_id() == std::this_thread::get_id()) {
      impl_->stopper.detach();
    } else {
      impl_->stopper.join();
    }
  }
}

void Server::start() { impl_->start(); }

unsigned short Server::port() const { return impl_->bound_port; }

void Server::wait() { impl_->wait(); }

void Server::stop() { impl_->stop(); }

}  // namespace au::web
