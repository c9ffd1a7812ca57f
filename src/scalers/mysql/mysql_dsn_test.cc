// The Go MySQL DSN parser: the Go driver's split rules, defaults, parameters, and that no
// password (whatever it contains) can move the host, port or database.
#include "scalers/mysql/mysql_dsn.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace tidal::scalers::mysql {
namespace {

TEST(MysqlDsn, SplitsLikeTheGoDriver) {
  struct Case {
    const char* name;
    std::string dsn;
    std::string user, password, host;
    int port;
    std::string db;
  };
  const std::vector<Case> cases = {
      {"full", "app:pw@tcp(db:3307)/jobs", "app", "pw", "db", 3307, "jobs"},
      {"default_port", "app:pw@tcp(db)/jobs", "app", "pw", "db", 3306, "jobs"},
      {"no_password", "app@tcp(db:1)/jobs", "app", "", "db", 1, "jobs"},
      {"empty_password", "app:@tcp(db:1)/jobs", "app", "", "db", 1, "jobs"},
      {"no_credentials", "tcp(db:5)/jobs", "", "", "db", 5, "jobs"},
      {"defaults", "/jobs", "", "", "127.0.0.1", 3306, "jobs"},
      {"no_net", "app:pw@/jobs", "app", "pw", "127.0.0.1", 3306, "jobs"},
      {"no_db", "app:pw@tcp(db:1)/", "app", "pw", "db", 1, ""},
      {"ipv6", "u:p@tcp([::1]:3308)/d", "u", "p", "::1", 3308, "d"},
      {"ipv6_no_port", "u:p@tcp([fe80::1])/d", "u", "p", "fe80::1", 3306, "d"},
      {"bare_ipv6", "u:p@tcp(::1)/d", "u", "p", "::1", 3306, "d"},
      {"only_port", "u:p@tcp(:3310)/d", "u", "p", "127.0.0.1", 3310, "d"},
      {"tcp6", "u:p@tcp6(db:9)/d", "u", "p", "db", 9, "d"},
      // The password is everything between the first ':' and the last '@' before the last '/'.
      {"password_at", "u:a@b@tcp(db:1)/d", "u", "a@b", "db", 1, "d"},
      {"password_colon", "u:a:b:c@tcp(db:1)/d", "u", "a:b:c", "db", 1, "d"},
      {"password_slash", "u:a/b@tcp(evil:2)/x@tcp(db:1)/d", "u", "a/b@tcp(evil:2)/x", "db", 1, "d"},
      {"password_question", "u:a?tls=true&x=1@tcp(db:1)/d", "u", "a?tls=true&x=1", "db", 1, "d"},
      {"password_parens", "u:a)(b@tcp(db:1)/d", "u", "a)(b", "db", 1, "d"},
      {"password_quotes_tabs", "u:'\"\t x@tcp(db:1)/d", "u", "'\"\t x", "db", 1, "d"},
      {"password_looks_like_dsn", "u:p@tcp(evil:9)/evil@tcp(db:1)/d", "u", "p@tcp(evil:9)/evil",
       "db", 1, "d"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    StatusOr<MysqlEndpoint> e = parseMysqlDsn(c.dsn);
    ASSERT_TRUE(e.isOk()) << e.status().toString();
    EXPECT_EQ(e->user, c.user);
    EXPECT_EQ(e->password, c.password);
    EXPECT_EQ(e->host, c.host);
    EXPECT_EQ(e->port, c.port);
    EXPECT_EQ(e->dbName, c.db);
    EXPECT_EQ(e->tls, TlsMode::kDisabled);
    EXPECT_TRUE(e->sessionVariables.empty());
  }
}

TEST(MysqlDsn, Parameters) {
  StatusOr<MysqlEndpoint> e = parseMysqlDsn(
      "u:p@tcp(db)/d?tls=skip-verify&multiStatements=true&charset=utf8mb4,utf8&timeout=2s&"
      "readTimeout=1500ms&writeTimeout=5s&parseTime=true&loc=Local&bare&"
      "time_zone=%27%2B00%3A00%27&sql_mode=ANSI&allowCleartextPasswords=1");
  ASSERT_TRUE(e.isOk()) << e.status().toString();
  EXPECT_EQ(e->tls, TlsMode::kSkipVerify);
  EXPECT_TRUE(e->multiStatements);
  EXPECT_TRUE(e->allowCleartextPasswords);
  EXPECT_EQ(e->charset, "utf8mb4");
  EXPECT_EQ(e->dialTimeout->count(), 2000);
  EXPECT_EQ(e->readTimeout->count(), 1500);
  EXPECT_EQ(e->writeTimeout->count(), 5000);
  ASSERT_EQ(e->sessionVariables.size(), 2u);
  EXPECT_EQ(e->sessionVariables[0], std::make_pair(std::string("sql_mode"), std::string("ANSI")));
  EXPECT_EQ(e->sessionVariables[1],
            std::make_pair(std::string("time_zone"), std::string("'+00:00'")));

  for (const auto& [value, mode] :
       std::vector<std::pair<std::string, TlsMode>>{{"true", TlsMode::kVerify},
                                                    {"1", TlsMode::kVerify},
                                                    {"false", TlsMode::kDisabled},
                                                    {"False", TlsMode::kDisabled},
                                                    {"preferred", TlsMode::kPreferred},
                                                    {"SKIP-VERIFY", TlsMode::kSkipVerify}}) {
    SCOPED_TRACE(value);
    StatusOr<MysqlEndpoint> t = parseMysqlDsn("u:p@tcp(db)/d?tls=" + value);
    ASSERT_TRUE(t.isOk()) << t.status().toString();
    EXPECT_EQ(t->tls, mode);
  }
}

TEST(MysqlDsn, Errors) {
  struct Case {
    const char* name;
    std::string dsn;
    std::string error;
  };
  const std::vector<Case> cases = {
      {"no_slash", "u:p@tcp(db:1)", "invalid DSN: missing the slash separating the database name"},
      {"unterminated", "u:p@tcp(db:1/d",
       "invalid DSN: network address not terminated (missing closing brace)"},
      {"unescaped_slash_in_param", "u:p@tcp(db:1)/d?loc=Europe/Berlin",
       "invalid DSN: did you forget to escape a param value?"},
      {"unix", "u:p@unix(/run/mysqld/mysqld.sock)/d",
       "invalid DSN: network \"unix\" is not supported: tidal connects over TCP only "
       "(tcp(host:port))"},
      {"bad_port", "u:p@tcp(db:33x)/d",
       "invalid DSN: port \"33x\" must be a number from 1 to 65535"},
      {"zero_port", "u:p@tcp(db:0)/d", "invalid DSN: port \"0\" must be a number from 1 to 65535"},
      {"empty_port", "u:p@tcp(db:)/d", "invalid DSN: port \"\" must be a number from 1 to 65535"},
      {"bad_tls", "u:p@tcp(db)/d?tls=custom",
       "invalid DSN: tls \"custom\" must be true, false, skip-verify or preferred (named TLS "
       "configs exist only in Go programs)"},
      {"bad_bool", "u:p@tcp(db)/d?multiStatements=yes",
       "invalid DSN: multiStatements: invalid bool value \"yes\""},
      {"bad_variable", "u:p@tcp(db)/d?a;b=1",
       "invalid DSN: parameter \"a;b\" is not a system variable name"},
      {"bad_escape", "u:p@tcp(db)/d?x=%zz", "invalid DSN: parameter \"x\" has an invalid %-escape"},
      {"nul", std::string("u:p\0w@tcp(db)/d", 15),
       "invalid DSN: the connection string must not contain a NUL byte"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    StatusOr<MysqlEndpoint> e = parseMysqlDsn(c.dsn);
    ASSERT_FALSE(e.isOk());
    EXPECT_EQ(e.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(e.status().message(), c.error);
  }
  StatusOr<MysqlEndpoint> d = parseMysqlDsn("u:p@tcp(db)/d?timeout=soon");
  ASSERT_FALSE(d.isOk());
  EXPECT_EQ(d.status().message().rfind("invalid DSN: timeout: ", 0), 0u) << d.status().message();
}

TEST(MysqlDsn, MetricDbNameIsEverythingAfterTheLastSlash) {
  EXPECT_EQ(dsnMetricDbName("u:p@tcp(db:1)/jobs"), "jobs");
  EXPECT_EQ(dsnMetricDbName("u:p@tcp(db:1)/jobs?tls=true"), "jobs?tls=true");
  EXPECT_EQ(dsnMetricDbName("u:a/b@tcp(db:1)/jobs"), "jobs");
  EXPECT_EQ(dsnMetricDbName("u:p@tcp(db:1)/"), "");
  EXPECT_EQ(dsnMetricDbName("nothing"), "nothing");
}

TEST(MysqlDsn, ServerAndPoolKeyHoldNoPassword) {
  StatusOr<MysqlEndpoint> e = parseMysqlDsn("u:hunter2@tcp([::1]:3307)/d");
  ASSERT_TRUE(e.isOk());
  EXPECT_EQ(e->server(), "[::1]:3307/d");
  EXPECT_EQ(e->poolKey().find("hunter2"), std::string::npos);
  StatusOr<MysqlEndpoint> other = parseMysqlDsn("u:hunter3@tcp([::1]:3307)/d");
  EXPECT_NE(e->poolKey(), other->poolKey());
  StatusOr<MysqlEndpoint> tls = parseMysqlDsn("u:hunter2@tcp([::1]:3307)/d?tls=true");
  EXPECT_NE(e->poolKey(), tls->poolKey());
  StatusOr<MysqlEndpoint> var = parseMysqlDsn("u:hunter2@tcp([::1]:3307)/d?sql_mode=ANSI");
  EXPECT_NE(e->poolKey(), var->poolKey());
}

}  // namespace
}  // namespace tidal::scalers::mysql
