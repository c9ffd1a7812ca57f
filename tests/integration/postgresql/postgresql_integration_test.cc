// The postgresql scaler against a real PostgreSQL 15 (scripts/services.d/postgresql.sh):
// values, activation, a password full of conninfo syntax, connection sharing, and the server
// going down and coming back ($TIDAL_POSTGRES_DIR/stop-server, start-server).
#include <cstdlib>
#include <memory>
#include <string>

#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <unistd.h>

#include "scalers/registry.h"
#include "scalers/scaler.h"

namespace tidal::scalers {
namespace {

std::string env(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr) {
    ADD_FAILURE() << name << " is not set; run under tests/support/with-services postgresql";
    return "";
  }
  return v;
}

// Runs SQL as the superuser; returns the first value of the last result ("" when none).
std::string admin(const std::string& sql) {
  const std::string conninfo =
      "host=127.0.0.1 port=" + env("TIDAL_POSTGRES_PORT") +
      " user=postgres dbname=postgres sslmode=disable password=" + env("TIDAL_POSTGRES_PASSWORD");
  PGconn* c = PQconnectdb(conninfo.c_str());
  EXPECT_EQ(PQstatus(c), CONNECTION_OK) << PQerrorMessage(c);
  PGresult* r = PQexec(c, sql.c_str());
  const ExecStatusType st = PQresultStatus(r);
  EXPECT_TRUE(st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) << PQresultErrorMessage(r);
  std::string out = st == PGRES_TUPLES_OK && PQntuples(r) > 0 ? PQgetvalue(r, 0, 0) : "";
  PQclear(r);
  PQfinish(c);
  return out;
}

// A table (or role) name unique to this process.
std::string unique(const std::string& base) {
  return base + "_" + std::to_string(::getpid());
}

StringMap discrete(const std::string& query, const std::string& user = "postgres") {
  return {{"query", query},
          {"targetQueryValue", "5"},
          {"host", env("TIDAL_POSTGRES_HOST")},
          {"port", env("TIDAL_POSTGRES_PORT")},
          {"userName", user},
          {"dbName", "postgres"},
          {"sslmode", "disable"}};
}

StatusOr<std::unique_ptr<Scaler>> make(StringMap metadata, StringMap auth) {
  ScalerConfig c;
  c.triggerType = "postgresql";
  c.triggerMetadata = std::move(metadata);
  c.authParams = std::move(auth);
  return builtinRegistry().create(c, ScalerContext{});
}

StatusOr<MetricsAndActivity> poll(Scaler& s) {
  return s.metricsAndActivity("s0-postgresql");
}

StringMap password() {
  return {{"password", env("TIDAL_POSTGRES_PASSWORD")}};
}

TEST(PostgresIntegration, ValueIsTheQueryResultAndActivationFollowsIt) {
  const std::string table = unique("jobs");
  admin("CREATE TABLE " + table + " (id serial primary key, state text)");
  StringMap md = discrete("SELECT count(*) FROM " + table + " WHERE state = 'pending'");
  md["activationTargetQueryValue"] = "3";
  StatusOr<std::unique_ptr<Scaler>> s = make(md, password());
  ASSERT_TRUE(s.isOk()) << s.status().toString();
  int total = 0;
  for (int add : {0, 3, 1, 6}) {
    admin("INSERT INTO " + table + "(state) SELECT 'pending' FROM generate_series(1, " +
          std::to_string(add) + ")");
    total += add;
    SCOPED_TRACE(total);
    StatusOr<MetricsAndActivity> m = poll(**s);
    ASSERT_TRUE(m.isOk()) << m.status().toString();
    EXPECT_EQ(m->metrics.at(0).value.milliValue(), total * 1000);
    EXPECT_EQ(m->active, total > 3);
  }
  admin("DROP TABLE " + table);
}

TEST(PostgresIntegration, FractionsAndConnectionStrings) {
  const std::string url = "postgresql://postgres:" + env("TIDAL_POSTGRES_PASSWORD") +
                          "@127.0.0.1:" + env("TIDAL_POSTGRES_PORT") + "/postgres?sslmode=disable";
  StatusOr<std::unique_ptr<Scaler>> s =
      make({{"query", "SELECT 2.5::float8"}, {"targetQueryValue", "1"}}, {{"connection", url}});
  ASSERT_TRUE(s.isOk()) << s.status().toString();
  StatusOr<MetricsAndActivity> m = poll(**s);
  ASSERT_TRUE(m.isOk()) << m.status().toString();
  EXPECT_EQ(m->metrics.at(0).value.milliValue(), 2500);
}

TEST(PostgresIntegration, PasswordWithConninfoSyntaxStaysAPassword) {
  // Were any of this read as parameters, sslmode=require would fail (the server has no TLS) or
  // host would point at a documentation address nobody answers on.
  const std::string role = unique("tricky");
  const std::string pw = "a b\tsslmode=require\nhost=192.0.2.1 ' \\' x\\";
  std::string literal;  // as a SQL string literal
  for (char ch : pw) literal += ch == '\'' ? std::string("''") : std::string(1, ch);
  admin("CREATE ROLE " + role + " LOGIN PASSWORD '" + literal + "'");
  StatusOr<std::unique_ptr<Scaler>> s = make(discrete("SELECT 42", role), {{"password", pw}});
  ASSERT_TRUE(s.isOk()) << s.status().toString();
  StatusOr<MetricsAndActivity> m = poll(**s);
  ASSERT_TRUE(m.isOk()) << m.status().toString();
  EXPECT_EQ(m->metrics.at(0).value.milliValue(), 42000);

  StatusOr<std::unique_ptr<Scaler>> wrong =
      make(discrete("SELECT 42", role), {{"password", "not-" + pw}});
  ASSERT_TRUE(wrong.isOk());
  m = poll(**wrong);
  ASSERT_FALSE(m.isOk());
  EXPECT_EQ(m.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(m.status().message().find("password authentication failed"), std::string::npos)
      << m.status().message();
  EXPECT_EQ(m.status().message().find("sslmode=require"), std::string::npos);
  EXPECT_NE(m.status().message().find("127.0.0.1:" + env("TIDAL_POSTGRES_PORT") + "/postgres"),
            std::string::npos);
  admin("DROP ROLE " + role);
}

TEST(PostgresIntegration, QueryErrorsAreNotRetryable) {
  StatusOr<std::unique_ptr<Scaler>> s = make(discrete("SELECT * FROM no_such_table"), password());
  ASSERT_TRUE(s.isOk());
  StatusOr<MetricsAndActivity> m = poll(**s);
  ASSERT_FALSE(m.isOk());
  EXPECT_EQ(m.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(m.status().message().find("no_such_table"), std::string::npos);

  StatusOr<std::unique_ptr<Scaler>> text = make(discrete("SELECT 'many'"), password());
  ASSERT_TRUE(text.isOk());
  m = poll(**text);
  ASSERT_FALSE(m.isOk());
  EXPECT_NE(m.status().message().find("expected a number"), std::string::npos);

  // The shared connection is still good after failed queries.
  StatusOr<std::unique_ptr<Scaler>> ok = make(discrete("SELECT 1"), password());
  ASSERT_TRUE(ok.isOk());
  EXPECT_TRUE(poll(**ok).isOk());
}

TEST(PostgresIntegration, SlowQueriesTimeOut) {
  ScalerConfig c;
  c.triggerType = "postgresql";
  c.triggerMetadata = discrete("SELECT 1 FROM pg_sleep(5)");
  c.authParams = password();
  c.globalHttpTimeout = std::chrono::milliseconds(500);
  StatusOr<std::unique_ptr<Scaler>> s = builtinRegistry().create(c, ScalerContext{});
  ASSERT_TRUE(s.isOk());
  const auto start = std::chrono::steady_clock::now();
  StatusOr<MetricsAndActivity> m = poll(**s);
  ASSERT_FALSE(m.isOk());
  EXPECT_EQ(m.status().code(), StatusCode::kDeadlineExceeded) << m.status().toString();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
}

TEST(PostgresIntegration, TriggersWithTheSameCredentialsShareOneConnection) {
  const std::string role = unique("shared");
  admin("CREATE ROLE " + role + " LOGIN PASSWORD 'pw'");
  std::vector<std::unique_ptr<Scaler>> scalers;
  for (int i = 0; i < 20; ++i) {
    StatusOr<std::unique_ptr<Scaler>> s =
        make(discrete("SELECT " + std::to_string(i), role), {{"password", "pw"}});
    ASSERT_TRUE(s.isOk());
    ASSERT_TRUE(poll(**s).isOk());
    scalers.push_back(*std::move(s));
  }
  EXPECT_EQ(admin("SELECT count(*) FROM pg_stat_activity WHERE usename = '" + role + "'"), "1");
  for (auto& s : scalers) s->close();
  scalers.clear();
  admin("DROP ROLE " + role);
}

TEST(PostgresIntegration, ServerDownThenBack) {
  StatusOr<std::unique_ptr<Scaler>> s = make(discrete("SELECT 7"), password());
  ASSERT_TRUE(s.isOk());
  ASSERT_TRUE(poll(**s).isOk());
  const std::string dir = env("TIDAL_POSTGRES_DIR");
  ASSERT_EQ(std::system((dir + "/stop-server").c_str()), 0);
  StatusOr<MetricsAndActivity> down = poll(**s);
  ASSERT_FALSE(down.isOk());
  EXPECT_TRUE(down.status().retryable()) << down.status().toString();
  EXPECT_EQ(down.status().message().find(env("TIDAL_POSTGRES_PASSWORD")), std::string::npos);
  ASSERT_EQ(std::system((dir + "/start-server").c_str()), 0);
  StatusOr<MetricsAndActivity> back = poll(**s);
  ASSERT_TRUE(back.isOk()) << back.status().toString();
  EXPECT_EQ(back->metrics.at(0).value.milliValue(), 7000);
}

}  // namespace
}  // namespace tidal::scalers
