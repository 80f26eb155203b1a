// gzip content coding (RFC 9110 §8.4.1.3) for HTTP responses.
//
// Contract: gzip_compress returns a complete gzip member (header, deflate data, CRC-32 and
// size trailer) that any browser inflates; the portal uses it to precompress cached pages,
// the server to compress dynamic answers. It throws std::invalid_argument for a level
// outside 0..9 and std::bad_alloc when zlib runs out of memory. accepts_gzip and
// compressible_type are the negotiation rules the server applies, exposed so that callers
// who precompress make the same decision.
#pragma once

#include <string>
#include <string_view>

namespace au::web {

std::string gzip_compress(std::string_view data, int level = 6);

// True when an Accept-Encoding value admits gzip: "gzip" or "x-gzip" with q > 0, or "*"
// with q > 0 when gzip is not listed. An absent or empty header admits none.
bool accepts_gzip(std::string_view accept_encoding);

// True for textual media types that gain from compression: text/*, JSON, XML, SVG,
// JavaScript, YAML and any +json / +xml suffix. Parameters (";charset=...") are ignored.
bool compressible_type(std::string_view content_type);

}  // namespace au::web
