// gzip content coding (RFC 9110 §8.4.1.3) for HTTP responses.
//
// Contract: gzip_compress returns a complete gzip member (header, deflate data, CRC-32 and
// size trailer) that any browser inflates; the portal uses it to precompress cached pages,
// the server to compress dynamic answers. It throws std::invalid_argument for a level
// outside 0..9 and std::bad_alloc when zlib runs out of memory. accepts_gzip and
// compressible_type are the negotiation rules the server applies, exposed so that callers
// who precompress make the same decision.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace au::web {

// A text precompressed as one gzip member with a hole: the part before the hole and the part
// after it are deflated once; fill() inserts a small per-request text (stored uncompressed in
// a deflate "stored" block) and fixes the CRC-32 and size, so a personalised copy of a cached
// page costs a few copies instead of a recompression. Immutable once made; thread-safe.
struct GzipWithHole {
  std::size_t hole_begin = 0, hole_end = 0;  // the replaced range of the original text
  std::string head;                          // gzip header + deflate(text before), byte-aligned, not final
  std::string tail;                          // deflate(text after), final block
  std::uint32_t crc_head = 0, crc_tail = 0;
  std::uint64_t len_head = 0, len_tail = 0;

  // Throws std::invalid_argument when the hole is outside the text.
  static std::shared_ptr<const GzipWithHole> make(std::string_view text, std::size_t hole_begin,
                                                  std::size_t hole_end, int level = 6);
  // The complete gzip member of text[0, hole_begin) + insert + text[hole_end, end).
  // insert must be shorter than 65,536 bytes (one stored block).
  std::string fill(std::string_view insert) const;
};

std::string gzip_compress(std::string_view data, int level = 6);

// True when an Accept-Encoding value admits gzip: "gzip" or "x-gzip" with q > 0, or "*"
// with q > 0 when gzip is not listed. An absent or empty header admits none.
bool accepts_gzip(std::string_view accept_encoding);

// True for textual media types that gain from compression: text/*, JSON, XML, SVG,
// JavaScript, YAML and any +json / +xml suffix. Parameters (";charset=...") are ignored.
bool compressible_type(std::string_view content_type);

}  // namespace au::web
