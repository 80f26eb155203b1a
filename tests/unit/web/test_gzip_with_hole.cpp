// GzipWithHole: a page precompressed around a hole, filled per request, must inflate to
// exactly the spliced text (zlib's own inflate, gzip mode, is the independent reader).
#include <gtest/gtest.h>
#include <zlib.h>

#include <string>

#include "web/gzip.h"

namespace {

std::string gunzip(const std::string& gz) {
  z_stream zs{};
  EXPECT_EQ(inflateInit2(&zs, 16 + 15), Z_OK);
  std::string out(1 << 20, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(gz.data()));
  zs.avail_in = static_cast<uInt>(gz.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  int rc = inflate(&zs, Z_FINISH);
  EXPECT_EQ(rc, Z_STREAM_END) << "not a complete gzip member";
  EXPECT_EQ(zs.avail_in, 0u) << "bytes after the gzip trailer";
  out.resize(out.size() - zs.avail_out);
  inflateEnd(&zs);
  return out;
}

std::string page() {
  std::string p = "<html><head><title>Servizi</title></head><body><header><!--personal-area-->";
  p += "<a href=\"/area-personale\">Accedi all'area personale</a>";
  p += "<!--/personal-area--></header><main>";
  for (int i = 0; i < 2000; ++i) p += "<p>Carta d'identità elettronica, riga " + std::to_string(i) + "</p>";
  return p + "</main></body></html>";
}

}  // namespace

TEST(GzipWithHole, FilledCopyInflatesToTheSplicedText) {
  std::string text = page();
  std::size_t begin = text.find("-->") + 3, end = text.find("<!--/personal-area-->");
  auto g = au::web::GzipWithHole::make(text, begin, end);
  std::string insert = "<a href=\"/area-personale\">Area personale di Maria Rossi</a>";
  std::string expected = text.substr(0, begin) + insert + text.substr(end);
  EXPECT_EQ(gunzip(g->fill(insert)), expected);
  // Compressed, not stored: the halves keep the page's compression.
  EXPECT_LT(g->fill(insert).size(), text.size() / 4);
}

TEST(GzipWithHole, EmptyInsertAndHoleAtTheEdges) {
  std::string text = page();
  auto at_start = au::web::GzipWithHole::make(text, 0, 10);
  EXPECT_EQ(gunzip(at_start->fill("")), text.substr(10));
  auto at_end = au::web::GzipWithHole::make(text, text.size(), text.size());
  EXPECT_EQ(gunzip(at_end->fill("fine")), text + "fine");
}

TEST(GzipWithHole, RejectsAHoleOutsideTheTextAndAnOversizedInsert) {
  EXPECT_THROW(au::web::GzipWithHole::make("abc", 2, 1), std::invalid_argument);
  EXPECT_THROW(au::web::GzipWithHole::make("abc", 1, 4), std::invalid_argument);
  auto g = au::web::GzipWithHole::make("abc", 1, 2);
  EXPECT_THROW(g->fill(std::string(70000, 'x')), std::invalid_argument);
  EXPECT_EQ(gunzip(g->fill(std::string(65535, 'x'))), "a" + std::string(65535, 'x') + "c");
}
