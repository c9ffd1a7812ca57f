// The mysql scaler against a real MariaDB 10.11 (scripts/services.d/mysql.sh): values,
// activation, a password full of DSN syntax, TLS modes, query and login errors without the
// password, and the server going down and coming back ($TIDAL_MYSQL_DIR/stop-server,
// start-server).
#include <cstdlib>
#include <memory>
#include <string>

#include <gtest/gtest.h>
#include <mysql.h>
#include <unistd.h>

#include "scalers/registry.h"
#include "scalers/scaler.h"

namespace tidal::scalers {
namespace {

std::string env(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr) {
    ADD_FAILURE() << name << " is not set; run under tests/support/with-services mysql";
    return "";
  }
  return v;
}

// Runs SQL as the test server's admin user.
void admin(const std::string& sql) {
  MYSQL* c = mysql_init(nullptr);
  const unsigned int tcp = MYSQL_PROTOCOL_TCP;
  mysql_optionsv(c, MYSQL_OPT_PROTOCOL, &tcp);
  ASSERT_NE(
      mysql_real_connect(c, "127.0.0.1", env("TIDAL_MYSQL_USER").c_str(),
                         env("TIDAL_MYSQL_PASSWORD").c_str(), "ci",
                         static_cast<unsigned int>(std::stoi(env("TIDAL_MYSQL_PORT"))), nullptr, 0),
      nullptr)
      << mysql_error(c);
  EXPECT_EQ(mysql_real_query(c, sql.data(), sql.size()), 0) << mysql_error(c);
  mysql_close(c);
}

std::string unique(const std::string& base) {
  return base + "_" + std::to_string(::getpid());
}

StringMap discrete(const std::string& query, const std::string& user = "") {
  return {{"query", query},
          {"queryValue", "5"},
          {"host", env("TIDAL_MYSQL_HOST")},
          {"port", env("TIDAL_MYSQL_PORT")},
          {"username", user.empty() ? env("TIDAL_MYSQL_USER") : user},
          {"dbName", "ci"}};
}

StringMap password() {
  return {{"password", env("TIDAL_MYSQL_PASSWORD")}};
}

StatusOr<std::unique_ptr<Scaler>> make(StringMap metadata, StringMap auth) {
  ScalerConfig c;
  c.triggerType = "mysql";
  c.triggerMetadata = std::move(metadata);
  c.authParams = std::move(auth);
  return builtinRegistry().create(c, ScalerContext{});
}

StatusOr<MetricsAndActivity> poll(Scaler& s) {
  return s.metricsAndActivity("s0-mysql-ci");
}

TEST(MysqlIntegration, ValueIsTheQueryResultAndActivationFollowsIt) {
  const std::string table = unique("jobs");
  admin("CREATE TABLE " + table + " (id INT AUTO_INCREMENT PRIMARY KEY, state VARCHAR(16))");
  StringMap md = discrete("SELECT COUNT(*) FROM " + table + " WHERE state = 'pending'");
  md["activationQueryValue"] = "3";
  StatusOr<std::unique_ptr<Scaler>> s = make(md, password());
  ASSERT_TRUE(s.isOk()) << s.status().toString();
  int total = 0;
  for (int add : {0, 3, 1, 6}) {
    for (int i = 0; i < add; ++i) admin("INSERT INTO " + table + "(state) VALUES ('pending')");
    total += add;
    SCOPED_TRACE(total);
    StatusOr<MetricsAndActivity> m = poll(**s);
    ASSERT_TRUE(m.isOk()) << m.status().toString();
    EXPECT_EQ(m->metrics.at(0).value.milliValue(), total * 1000);
    EXPECT_EQ(m->active, total > 3);
  }
  admin("DROP TABLE " + table);
}

TEST(MysqlIntegration, PasswordWithDsnSyntaxStaysAPassword) {
  const std::string user = unique("tricky");
  const std::string pw = "a@b:c/d?tls=true&x)(\t'\"@tcp(192.0.2.1:1)/evil";
  std::string literal;
  for (char ch : pw) literal += ch == '\'' ? std::string("''") : std::string(1, ch);
  admin("CREATE USER '" + user + "'@'127.0.0.1' IDENTIFIED BY '" + literal + "'");
  admin("GRANT SELECT ON ci.* TO '" + user + "'@'127.0.0.1'");
  // Discrete parameters and the same password inside a connection string.
  StatusOr<std::unique_ptr<Scaler>> s = make(discrete("SELECT 42", user), {{"password", pw}});
  ASSERT_TRUE(s.isOk());
  StatusOr<MetricsAndActivity> m = poll(**s);
  ASSERT_TRUE(m.isOk()) << m.status().toString();
  EXPECT_EQ(m->metrics.at(0).value.milliValue(), 42000);
  const std::string dsn = user + ":" + pw + "@tcp(127.0.0.1:" + env("TIDAL_MYSQL_PORT") + ")/ci";
  s = make({{"query", "SELECT 2.5"}, {"queryValue", "1"}}, {{"connectionString", dsn}});
  ASSERT_TRUE(s.isOk()) << s.status().toString();
  m = poll(**s);
  ASSERT_TRUE(m.isOk()) << m.status().toString();
  EXPECT_EQ(m->metrics.at(0).value.milliValue(), 2500);

  StatusOr<std::unique_ptr<Scaler>> wrong =
      make(discrete("SELECT 42", user), {{"password", "not-" + pw}});
  ASSERT_TRUE(wrong.isOk());
  m = poll(**wrong);
  ASSERT_FALSE(m.isOk());
  EXPECT_EQ(m.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(m.status().message().find("Access denied"), std::string::npos) << m.status().message();
  EXPECT_EQ(m.status().message().find("not-a@b"), std::string::npos);
  EXPECT_EQ(m.status().message().find("192.0.2.1"), std::string::npos);
  admin("DROP USER '" + user + "'@'127.0.0.1'");
}

TEST(MysqlIntegration, TlsModes) {
  const std::string base = env("TIDAL_MYSQL_USER") + ":" + env("TIDAL_MYSQL_PASSWORD") +
                           "@tcp(127.0.0.1:" + env("TIDAL_MYSQL_PORT") + ")/ci?tls=";
  for (const char* mode : {"false", "skip-verify", "preferred"}) {
    SCOPED_TRACE(mode);
    StatusOr<std::unique_ptr<Scaler>> s =
        make({{"query", "SELECT 1"}, {"queryValue", "1"}}, {{"connectionString", base + mode}});
    ASSERT_TRUE(s.isOk());
    StatusOr<MetricsAndActivity> m = poll(**s);
    EXPECT_TRUE(m.isOk()) << m.status().toString();
  }
  // The test server's certificate is self-signed: verification must fail.
  StatusOr<std::unique_ptr<Scaler>> s =
      make({{"query", "SELECT 1"}, {"queryValue", "1"}}, {{"connectionString", base + "true"}});
  ASSERT_TRUE(s.isOk());
  StatusOr<MetricsAndActivity> m = poll(**s);
  ASSERT_FALSE(m.isOk());
  EXPECT_EQ(m.status().message().find(env("TIDAL_MYSQL_PASSWORD")), std::string::npos);
}

TEST(MysqlIntegration, QueryErrorsAreNotRetryable) {
  StatusOr<std::unique_ptr<Scaler>> s = make(discrete("SELECT * FROM no_such_table"), password());
  ASSERT_TRUE(s.isOk());
  StatusOr<MetricsAndActivity> m = poll(**s);
  ASSERT_FALSE(m.isOk());
  EXPECT_EQ(m.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(m.status().message().find("no_such_table"), std::string::npos);
  for (const char* q : {"SELECT 'many'", "SELECT NULL", "SELECT 1 FROM DUAL WHERE 1 = 0", "DO 1",
                        "SELECT 1; SELECT 2"}) {
    SCOPED_TRACE(q);
    s = make(discrete(q), password());
    ASSERT_TRUE(s.isOk());
    m = poll(**s);
    ASSERT_FALSE(m.isOk());
    EXPECT_EQ(m.status().code(), StatusCode::kInvalidArgument);
  }
  s = make(discrete("SELECT 1"), password());
  ASSERT_TRUE(s.isOk());
  EXPECT_TRUE(poll(**s).isOk());  // the shared connection survived the failures
}

TEST(MysqlIntegration, SlowQueriesTimeOut) {
  ScalerConfig c;
  c.triggerType = "mysql";
  c.triggerMetadata = discrete("SELECT SLEEP(5)");
  c.authParams = password();
  c.globalHttpTimeout = std::chrono::milliseconds(1000);
  StatusOr<std::unique_ptr<Scaler>> s = builtinRegistry().create(c, ScalerContext{});
  ASSERT_TRUE(s.isOk());
  const auto start = std::chrono::steady_clock::now();
  StatusOr<MetricsAndActivity> m = poll(**s);
  ASSERT_FALSE(m.isOk());
  EXPECT_EQ(m.status().code(), StatusCode::kDeadlineExceeded) << m.status().toString();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
}

TEST(MysqlIntegration, ServerDownThenBack) {
  StatusOr<std::unique_ptr<Scaler>> s = make(discrete("SELECT 7"), password());
  ASSERT_TRUE(s.isOk());
  ASSERT_TRUE(poll(**s).isOk());
  const std::string dir = env("TIDAL_MYSQL_DIR");
  ASSERT_EQ(std::system((dir + "/stop-server").c_str()), 0);
  StatusOr<MetricsAndActivity> down = poll(**s);
  ASSERT_FALSE(down.isOk());
  EXPECT_TRUE(down.status().retryable()) << down.status().toString();
  EXPECT_EQ(down.status().message().find(env("TIDAL_MYSQL_PASSWORD")), std::string::npos);
  ASSERT_EQ(std::system((dir + "/start-server").c_str()), 0);
  StatusOr<MetricsAndActivity> back = poll(**s);
  ASSERT_TRUE(back.isOk()) << back.status().toString();
  EXPECT_EQ(back->metrics.at(0).value.milliValue(), 7000);
}

}  // namespace
}  // namespace tidal::scalers
