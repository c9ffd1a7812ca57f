// Connection strings built from separate values: whatever a value holds, libpq's own parser
// (PQconninfoParse, no connection made) reads back exactly the values given, so no password can
// set the host or turn sslmode off.
#include "scalers/postgresql/pg_conninfo.h"

#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "scalers/postgresql/libpq.h"

namespace tidal::scalers::postgresql {
namespace {

// Every keyword libpq sets from `conninfo`, or {"error", message} when it does not parse.
std::map<std::string, std::string> libpqReads(const std::string& conninfo) {
  std::map<std::string, std::string> out;
  StatusOr<const LibPq*> loaded = libpq();
  if (!loaded.isOk()) {
    out["error"] = loaded.status().message();
    return out;
  }
  const LibPq& pq = *loaded.value();
  char* err = nullptr;
  PQconninfoOption* opts = pq.conninfoParse(conninfo.c_str(), &err);
  if (opts == nullptr) {
    out["error"] = err != nullptr ? err : "?";
    if (err != nullptr) pq.freemem(err);
    return out;
  }
  for (PQconninfoOption* o = opts; o->keyword != nullptr; ++o) {
    if (o->val != nullptr) out[o->keyword] = o->val;
  }
  pq.conninfoFree(opts);
  return out;
}

TEST(Conninfo, QuotesOnlyWhatNeedsIt) {
  EXPECT_EQ(conninfoValue("plain"), "plain");
  EXPECT_EQ(conninfoValue("a=b"), "a=b");
  EXPECT_EQ(conninfoValue(""), "''");
  EXPECT_EQ(conninfoValue("a b"), "'a b'");
  EXPECT_EQ(conninfoValue("it's"), R"('it\'s')");
  EXPECT_EQ(conninfoValue(R"(back\slash)"), R"('back\\slash')");
  EXPECT_EQ(buildConninfo({{"host", "db"}, {"password", "p w"}}), "host=db password='p w'");
}

TEST(Conninfo, NoPasswordChangesAnotherParameter) {
  const std::vector<std::pair<const char*, std::string>> passwords = {
      {"plain", "s3cret"},
      {"space_then_host", "x host=evil.example"},
      {"tab_then_sslmode", "x\tsslmode=disable"},
      {"newline_then_host", "x\nhost=evil.example"},
      {"carriage_return", "x\rsslmode=disable"},
      {"vertical_tab_form_feed", "x\v\fsslmode=disable"},
      {"single_quote", "x' host='evil.example"},
      {"double_quote", "x\" host=\"evil.example"},
      {"backslash_quote", "x\\' sslmode=disable '"},
      {"trailing_backslash", "x\\"},
      {"only_spaces", "   "},
      {"empty", ""},
      {"equals_only", "=host=evil"},
      {"unicode", "p\xC3\xA4ss w\xC3\xB6rd"},
  };
  for (const auto& [name, password] : passwords) {
    SCOPED_TRACE(name);
    const std::string conninfo = buildConninfo({{"host", "db.internal"},
                                                {"port", "5432"},
                                                {"user", "app"},
                                                {"dbname", "jobs"},
                                                {"sslmode", "verify-full"},
                                                {"password", password}});
    std::map<std::string, std::string> got = libpqReads(conninfo);
    ASSERT_EQ(got.count("error"), 0u) << got["error"];
    EXPECT_EQ(got["host"], "db.internal");
    EXPECT_EQ(got["port"], "5432");
    EXPECT_EQ(got["user"], "app");
    EXPECT_EQ(got["dbname"], "jobs");
    EXPECT_EQ(got["sslmode"], "verify-full");
    EXPECT_EQ(got["password"], password);
    EXPECT_EQ(got.count("hostaddr"), 0u);
  }
}

TEST(Conninfo, NoOtherValueEscapesEither) {
  // The same for every field, not just the password.
  const std::string evil = "v sslmode=disable host=evil\tport=1";
  const std::string conninfo = buildConninfo({{"host", evil},
                                              {"port", evil},
                                              {"user", evil},
                                              {"dbname", evil},
                                              {"sslmode", "require"},
                                              {"password", evil}});
  std::map<std::string, std::string> got = libpqReads(conninfo);
  ASSERT_EQ(got.count("error"), 0u) << got["error"];
  for (const char* k : {"host", "port", "user", "dbname", "password"}) EXPECT_EQ(got[k], evil) << k;
  EXPECT_EQ(got["sslmode"], "require");
}

}  // namespace
}  // namespace tidal::scalers::postgresql
