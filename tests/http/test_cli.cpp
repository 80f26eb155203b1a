// The command line: idempotent import, all-or-nothing rejection of a malformed file, export,
// --help on each command.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "server_fixture.h"

using au::test::Server;
namespace fs = std::filesystem;

TEST(Cli, SecondImportChangesNothingAndSaysSo) {
  std::string out;
  int rc = Server::instance().run_cli({"import", std::string(AU_SOURCE_DIR) + "/data"}, out);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("nessuna modifica"), std::string::npos) << out;
  EXPECT_NE(out.find("0 nuovi, 0 aggiornati"), std::string::npos) << out;
}

TEST(Cli, MalformedFileIsRejectedWholeNamingFileRecordAndField) {
  fs::path dir = fs::temp_directory_path() / ("au-bad-import-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::copy(fs::path(AU_SOURCE_DIR) / "data", dir, fs::copy_options::recursive);
  fs::permissions(dir / "redazione" / "servizi_comunali.json", fs::perms::owner_write, fs::perm_options::add);
  // A new valid service first, then a broken one: neither may be written.
  std::ifstream in(dir / "redazione" / "servizi_comunali.json");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto pos = text.find("\"services\": [");
  ASSERT_NE(pos, std::string::npos);
  std::string extra =
      R"({"id":"rc-prova-nuova","slug":"prova-nuova","title":"Servizio di prova","summary":"Una prova che non deve essere scritta","authority":"each-comune","status":"attivo"},)"
      R"({"id":"rc-prova-rotta","slug":"prova-rotta","title":"Rotto","summary":"Costo negativo","authority":"each-comune","costs":[{"amount_cents":-5}]},)";
  text.insert(pos + std::string("\"services\": [").size(), extra);
  std::ofstream(dir / "redazione" / "servizi_comunali.json") << text;
  std::string out;
  int rc = Server::instance().run_cli({"import", dir.string()}, out);
  EXPECT_NE(rc, 0);
  EXPECT_NE(out.find("redazione/servizi_comunali.json"), std::string::npos) << out;
  EXPECT_NE(out.find("rc-prova-rotta"), std::string::npos) << out;
  EXPECT_NE(out.find("amount_cents"), std::string::npos) << out;
  auto r = Server::instance().get("/api/v1/services/prova-nuova");
  EXPECT_EQ(r.status, 404) << "a rejected file must write nothing";
  fs::remove_all(dir);
}

TEST(Cli, ExportCsvAndJsonLd) {
  std::string csv, jsonld;
  EXPECT_EQ(Server::instance().run_cli({"export", "--format", "csv"}, csv), 0);
  EXPECT_NE(csv.find("autorizzazione-unica-ambientale"), std::string::npos);
  EXPECT_EQ(Server::instance().run_cli({"export", "--format", "jsonld"}, jsonld), 0);
  EXPECT_NE(jsonld.find("cpsv:PublicService"), std::string::npos);
  std::string bad;
  EXPECT_NE(Server::instance().run_cli({"export", "--format", "xml"}, bad), 0);
}

TEST(Cli, EveryCommandHasHelp) {
  for (const char* cmd : {"serve", "migrate", "import", "export", "reindex", "links"}) {
    std::string out;
    Server::instance().run_cli({cmd, "--help"}, out);
    EXPECT_NE(out.find("Usage"), std::string::npos) << cmd << ": " << out;
  }
}

// Graceful shutdown (SIGTERM -> exit 0) is checked when the shared server stops, in the
// test environment's TearDown (server_fixture.cpp).
