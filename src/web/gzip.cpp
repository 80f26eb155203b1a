#include "web/gzip.h"

#include <zlib.h>

#include "web/http.h"

#include <algorithm>
#include <climits>
#include <cstddef>
#include <new>
#include <stdexcept>

namespace au::web {
namespace {

// deflateInit2 allocates ~270 KB of state; doing that per response costs more than
// compressing a 20 KB page, so each thread keeps one stream and resets it between uses.
class ThreadDeflater {
 public:
  ~ThreadDeflater() {
    if (ready_) deflateEnd(&zs_);
  }

  z_stream& stream(int level) {
    if (ready_ && level_ != level) {
      deflateEnd(&zs_);
      ready_ = false;
    }
    if (!ready_) {
      zs_ = z_stream{};
      // 15 + 16: a 32 KiB window with the gzip wrapper instead of the zlib one.
      const int rc = deflateInit2(&zs_, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
      if (rc == Z_MEM_ERROR) throw std::bad_alloc();
      if (rc != Z_OK) throw std::invalid_argument("gzip_compress: bad compression level");
      ready_ = true;
      level_ = level;
    } else {
      deflateReset(&zs_);
    }
    return zs_;
  }

  void discard() {
    if (ready_) deflateEnd(&zs_);
    ready_ = false;
  }

 private:
  z_stream zs_{};
  bool ready_ = false;
  int level_ = 0;
};


bool istarts_with(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

bool iends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && iequals(s.substr(s.size() - suffix.size()), suffix);
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// RFC 9110 §12.4.2 qvalue in thousandths; -1 when malformed.
int parse_qvalue(std::string_view v) {
  if (v.empty() || (v[0] != '0' && v[0] != '1')) return -1;
  int value = (v[0] - '0') * 1000;
  if (v.size() == 1) return value;
  if (v[1] != '.' || v.size() > 5) return -1;
  int scale = 100;
  for (std::size_t i = 2; i < v.size(); ++i, scale /= 10) {
    if (v[i] < '0' || v[i] > '9') return -1;
    value += (v[i] - '0') * scale;
  }
  return value > 1000 ? -1 : value;
}

}  // namespace

std::string gzip_compress(std::string_view data, int level) {
  if (level < 0 || level > 9) throw std::invalid_argument("gzip_compress: bad compression level");
  thread_local ThreadDeflater deflater;
  z_stream& zs = deflater.stream(level);

  std::string out;
  out.resize(deflateBound(&zs, static_cast<uLong>(std::min<std::size_t>(data.size(), ULONG_MAX))));
  auto* in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  std::size_t in_left = data.size();
  std::size_t produced = 0;
  int rc = Z_OK;
  // zlib counts in 32-bit uInt, so feed inputs beyond 4 GiB in slices.
  while (rc != Z_STREAM_END) {
    if (zs.avail_in == 0 && in_left > 0) {
      const std::size_t slice = std::min<std::size_t>(in_left, UINT_MAX);
      zs.next_in = in;
      zs.avail_in = static_cast<uInt>(slice);
      in += slice;
      in_left -= slice;
    }
    if (produced == out.size()) out.resize(out.size() * 2 + 64);
    const std::size_t room = std::min<std::size_t>(out.size() - produced, UINT_MAX);
    zs.next_out = reinterpret_cast<Bytef*>(out.data() + produced);
    zs.avail_out = static_cast<uInt>(room);
    rc = deflate(&zs, in_left == 0 ? Z_FINISH : Z_NO_FLUSH);
    produced += room - zs.avail_out;
    if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) {
      deflater.discard();
      throw std::runtime_error("gzip_compress: deflate failed");
    }
  }
  out.resize(produced);
  return out;
}

bool accepts_gzip(std::string_view accept_encoding) {
  int gzip_q = -1;  // -1: not listed
  int star_q = -1;
  std::string_view rest = accept_encoding;
  while (!rest.empty()) {
    std::size_t comma = rest.find(',');
    std::string_view element = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);

    std::size_t semi = element.find(';');
    const std::string_view coding = trim(element.substr(0, semi));
    if (coding.empty()) continue;
    int q = 1000;
    while (semi != std::string_view::npos) {
      element = element.substr(semi + 1);
      semi = element.find(';');
      const std::string_view param = trim(element.substr(0, semi));
      const std::size_t eq = param.find('=');
      if (eq != std::string_view::npos && iequals(trim(param.substr(0, eq)), "q")) {
        q = parse_qvalue(trim(param.substr(eq + 1)));
      }
    }
    if (q < 0) continue;  // a malformed weight cannot be read as consent
    if (iequals(coding, "gzip") || iequals(coding, "x-gzip")) {
      gzip_q = std::max(gzip_q, q);
    } else if (coding == "*") {
      star_q = std::max(star_q, q);
    }
  }
  return gzip_q >= 0 ? gzip_q > 0 : star_q > 0;
}

bool compressible_type(std::string_view content_type) {
  const std::string_view type = trim(content_type.substr(0, content_type.find(';')));
  if (istarts_with(type, "text/")) return type.size() > 5;
  static constexpr std::string_view exact[] = {
      "application/json",       "application/problem+json", "application/ld+json",
      "application/xml",        "image/svg+xml",            "application/javascript",
      "application/yaml",       "application/x-yaml",       "application/ecmascript",
      "application/x-javascript"};
  for (std::string_view t : exact) {
    if (iequals(type, t)) return true;
  }
  // Structured-syntax suffixes (RFC 6839): geo+json, rss+xml, manifest+json...
  return type.find('/') != std::string_view::npos &&
         (iends_with(type, "+json") || iends_with(type, "+xml"));
}

namespace {

// Raw deflate (no zlib/gzip wrapper) of `data`; `flush` Z_FULL_FLUSH leaves the stream
// byte-aligned and open for more blocks, Z_FINISH ends it with a final block.
std::string raw_deflate(std::string_view data, int level, int flush) {
  z_stream zs{};
  if (deflateInit2(&zs, level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK) throw std::bad_alloc();
  std::string out(deflateBound(&zs, static_cast<uLong>(data.size())) + 16, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  int rc = deflate(&zs, flush);
  std::size_t produced = out.size() - zs.avail_out;
  deflateEnd(&zs);
  if (rc != (flush == Z_FINISH ? Z_STREAM_END : Z_OK)) throw std::runtime_error("deflate failed");
  out.resize(produced);
  return out;
}

void put_le32(std::string& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

std::uint32_t crc_of(std::string_view s) {
  return static_cast<std::uint32_t>(crc32(crc32(0L, Z_NULL, 0), reinterpret_cast<const Bytef*>(s.data()),
                                          static_cast<uInt>(s.size())));
}

}  // namespace

std::shared_ptr<const GzipWithHole> GzipWithHole::make(std::string_view text, std::size_t hole_begin,
                                                       std::size_t hole_end, int level) {
  if (hole_begin > hole_end || hole_end > text.size() || text.size() > UINT_MAX)
    throw std::invalid_argument("GzipWithHole: hole outside the text");
  auto g = std::make_shared<GzipWithHole>();
  g->hole_begin = hole_begin;
  g->hole_end = hole_end;
  std::string_view before = text.substr(0, hole_begin), after = text.substr(hole_end);
  // RFC 1952 header: magic, CM=deflate, no flags, no mtime, XFL 0, OS unknown.
  static const char header[10] = {'\x1f', '\x8b', 8, 0, 0, 0, 0, 0, 0, '\xff'};
  g->head.assign(header, sizeof header);
  g->head += raw_deflate(before, level, Z_FULL_FLUSH);
  g->tail = raw_deflate(after, level, Z_FINISH);
  g->crc_head = crc_of(before);
  g->crc_tail = crc_of(after);
  g->len_head = before.size();
  g->len_tail = after.size();
  return g;
}

std::string GzipWithHole::fill(std::string_view insert) const {
  if (insert.size() > 0xFFFF) throw std::invalid_argument("GzipWithHole: insert too long for one stored block");
  std::string out;
  out.reserve(head.size() + 5 + insert.size() + tail.size() + 8);
  out += head;
  // A stored block (RFC 1951 §3.2.4): BFINAL=0, BTYPE=00, padded to the byte (the head ended
  // aligned), then LEN and its one's complement, then the bytes as they are.
  auto n = static_cast<std::uint16_t>(insert.size());
  out.push_back('\0');
  out.push_back(static_cast<char>(n & 0xFF));
  out.push_back(static_cast<char>(n >> 8));
  out.push_back(static_cast<char>(~n & 0xFF));
  out.push_back(static_cast<char>((~n >> 8) & 0xFF));
  out.append(insert);
  out += tail;
  uLong crc = crc32_combine(crc_head, crc_of(insert), static_cast<z_off_t>(insert.size()));
  crc = crc32_combine(crc, crc_tail, static_cast<z_off_t>(len_tail));
  put_le32(out, static_cast<std::uint32_t>(crc));
  put_le32(out, static_cast<std::uint32_t>((len_head + insert.size() + len_tail) & 0xFFFFFFFFu));
  return out;
}

}  // namespace au::web

