// The mysql trigger: parameters and KEDA's rules, metric names, the endpoint and pool key, and
// polls through a fake connection (the real server is in tests/integration/mysql).
#include "scalers/mysql/mysql_scaler.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "scalers/registry.h"

namespace tidal::scalers {
namespace {

using mysql::MysqlConfig;
using mysql::parseMysqlConfig;

class FakeQuerier : public mysql::NumberQuerier {
 public:
  explicit FakeQuerier(StatusOr<double> answer) : answer_(std::move(answer)) {}
  StatusOr<double> queryNumber(const std::string& query,
                               std::chrono::milliseconds timeout) override {
    queries.push_back(query);
    lastTimeout = timeout;
    return answer_;
  }
  std::vector<std::string> queries;
  std::chrono::milliseconds lastTimeout{0};

 private:
  StatusOr<double> answer_;
};

ScalerConfig trigger(StringMap metadata, StringMap auth = {}, StringMap env = {}) {
  ScalerConfig c;
  c.triggerType = "mysql";
  c.triggerMetadata = std::move(metadata);
  c.authParams = std::move(auth);
  c.resolvedEnv = std::move(env);
  return c;
}

StringMap discrete() {
  return {{"query", "SELECT COUNT(*) FROM jobs"},
          {"queryValue", "5"},
          {"host", "db"},
          {"port", "3306"},
          {"username", "app"},
          {"dbName", "ci"}};
}

StringMap query() {
  return {{"query", "SELECT 1"}, {"queryValue", "1"}};
}

StringMap with(StringMap base, const StringMap& extra) {
  for (const auto& [k, v] : extra) base[k] = v;
  return base;
}

StringMap without(StringMap base, const std::string& key) {
  base.erase(key);
  return base;
}

TEST(MysqlParams, DiscreteParametersGoToTheEndpointUntouched) {
  const std::string pw = "p@ss:w/rd?tls=true&x)(\t'\"";
  StatusOr<MysqlConfig> cfg = parseMysqlConfig(trigger(discrete(), {{"password", pw}}));
  ASSERT_TRUE(cfg.isOk()) << cfg.status().toString();
  EXPECT_EQ(cfg->endpoint.host, "db");
  EXPECT_EQ(cfg->endpoint.port, 3306);
  EXPECT_EQ(cfg->endpoint.user, "app");
  EXPECT_EQ(cfg->endpoint.password, pw);
  EXPECT_EQ(cfg->endpoint.dbName, "ci");
  EXPECT_EQ(cfg->endpoint.tls, mysql::TlsMode::kDisabled);
  EXPECT_EQ(cfg->metricName, "s0-mysql-ci");
  EXPECT_EQ(cfg->server, "db:3306/ci");
  EXPECT_EQ(cfg->targetType, "AverageValue");
  EXPECT_EQ(cfg->metadata.activationQueryValue, 0);
  EXPECT_EQ(cfg->poolKey.find("p@ss"), std::string::npos);
}

TEST(MysqlParams, SourcesFollowKeda) {
  // host, port, dbName: metadata first, then authParams.
  StatusOr<MysqlConfig> cfg = parseMysqlConfig(trigger(
      with(discrete(), {{"host", "meta-host"}}), {{"host", "auth-host"}, {"dbName", "auth-db"}}));
  ASSERT_TRUE(cfg.isOk());
  EXPECT_EQ(cfg->endpoint.host, "meta-host");
  EXPECT_EQ(cfg->endpoint.dbName, "ci");
  cfg = parseMysqlConfig(trigger(without(without(discrete(), "host"), "dbName"),
                                 {{"host", "auth-host"}, {"dbName", "auth-db"}}));
  ASSERT_TRUE(cfg.isOk());
  EXPECT_EQ(cfg->endpoint.host, "auth-host");
  EXPECT_EQ(cfg->metricName, "s0-mysql-auth-db");
  // username from the environment; password from the environment; password never from metadata.
  cfg = parseMysqlConfig(trigger(
      with(without(discrete(), "username"),
           {{"usernameFromEnv", "DB_USER"}, {"passwordFromEnv", "DB_PW"}, {"password", "meta"}}),
      {}, {{"DB_USER", "env-user"}, {"DB_PW", "env-pw"}}));
  ASSERT_TRUE(cfg.isOk()) << cfg.status().toString();
  EXPECT_EQ(cfg->endpoint.user, "env-user");
  EXPECT_EQ(cfg->endpoint.password, "env-pw");
  // connectionString from authParams or the environment, never from metadata.
  cfg = parseMysqlConfig(trigger(with(query(), {{"connectionStringFromEnv", "DSN"}}), {},
                                 {{"DSN", "app:pw@tcp(mysql.ns.svc:3307)/orders?tls=preferred"}}));
  ASSERT_TRUE(cfg.isOk()) << cfg.status().toString();
  EXPECT_EQ(cfg->endpoint.host, "mysql.ns.svc");
  EXPECT_EQ(cfg->endpoint.port, 3307);
  EXPECT_EQ(cfg->endpoint.tls, mysql::TlsMode::kPreferred);
  EXPECT_EQ(cfg->server, "mysql.ns.svc:3307/orders");
  cfg = parseMysqlConfig(trigger(with(query(), {{"connectionString", "u:p@tcp(x)/y"}})));
  ASSERT_FALSE(cfg.isOk());
  EXPECT_EQ(cfg.status().message(), "error parsing MySQL metadata: no host given");
}

TEST(MysqlParams, ConnectionStringReplacesTheDiscreteParameters) {
  StatusOr<MysqlConfig> cfg = parseMysqlConfig(
      trigger(with(discrete(), {{"dbName", "ignored"}}),
              {{"connectionString", "root:pw@tcp(10.0.0.1:3306)/stats"}, {"password", "other"}}));
  ASSERT_TRUE(cfg.isOk()) << cfg.status().toString();
  EXPECT_EQ(cfg->endpoint.host, "10.0.0.1");
  EXPECT_EQ(cfg->endpoint.user, "root");
  EXPECT_EQ(cfg->endpoint.password, "pw");
  EXPECT_EQ(cfg->endpoint.dbName, "stats");
  EXPECT_EQ(cfg->metricName, "s0-mysql-stats");
}

TEST(MysqlParams, MetricNames) {
  struct Case {
    const char* name;
    int index;
    StringMap metadata;
    StringMap auth;
    std::string metric;
  };
  const std::vector<Case> cases = {
      {"discrete", 0, discrete(), {}, "s0-mysql-ci"},
      {"index", 3, discrete(), {}, "s3-mysql-ci"},
      {"normalised", 1, with(discrete(), {{"dbName", "a.b:c"}}), {}, "s1-mysql-a-b-c"},
      {"no_db", 0, without(discrete(), "dbName"), {}, "s0-mysql-"},
      // KEDA takes everything after the connection string's last '/', parameters included.
      {"dsn_params",
       0,
       query(),
       {{"connectionString", "u:p@tcp(h)/jobs?tls=true"}},
       "s0-mysql-jobs?tls=true"},
      {"dsn_password_slash",
       2,
       query(),
       {{"connectionString", "u:a/b@tcp(h)/jobs"}},
       "s2-mysql-jobs"},
      {"metric_name_ignored", 0, with(discrete(), {{"metricName", "custom"}}), {}, "s0-mysql-ci"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    ScalerConfig config = trigger(c.metadata, c.auth);
    config.triggerIndex = c.index;
    StatusOr<MysqlConfig> cfg = parseMysqlConfig(config);
    ASSERT_TRUE(cfg.isOk()) << cfg.status().toString();
    EXPECT_EQ(cfg->metricName, c.metric);
  }
}

TEST(MysqlParams, PoolKeysSeparateWhatMustNotShare) {
  auto key = [](const StringMap& md, const StringMap& auth) {
    return parseMysqlConfig(trigger(md, auth))->poolKey;
  };
  const std::string base = key(discrete(), {{"password", "a"}});
  EXPECT_EQ(base, key(with(discrete(), {{"query", "SELECT 2"}}), {{"password", "a"}}));
  EXPECT_EQ(base, key(with(discrete(), {{"queryValue", "9"}}), {{"password", "a"}}));
  EXPECT_NE(base, key(discrete(), {{"password", "b"}}));
  EXPECT_NE(base, key(with(discrete(), {{"dbName", "other"}}), {{"password", "a"}}));
  EXPECT_NE(base, key(with(discrete(), {{"username", "other"}}), {{"password", "a"}}));
  EXPECT_NE(base, key(with(discrete(), {{"port", "3307"}}), {{"password", "a"}}));
  EXPECT_NE(base, key(with(discrete(), {{"host", "db2"}}), {{"password", "a"}}));
  // The same server through a connection string with the same settings shares the connection.
  EXPECT_EQ(base, key(query(), {{"connectionString", "app:a@tcp(db:3306)/ci"}}));
}

TEST(MysqlParams, Errors) {
  struct Case {
    const char* name;
    StringMap metadata;
    StringMap auth;
    std::string error;
  };
  const std::string p = "error parsing MySQL metadata: ";
  const std::vector<Case> cases = {
      {"no_query",
       without(discrete(), "query"),
       {},
       p + "missing required parameter \"query\" in [triggerMetadata]"},
      {"no_query_value",
       without(discrete(), "queryValue"),
       {},
       p + "missing required parameter \"queryValue\" in [triggerMetadata]"},
      {"zero_query_value",
       with(discrete(), {{"queryValue", "0"}}),
       {},
       p + "queryValue must be greater than 0"},
      {"negative_query_value",
       with(discrete(), {{"queryValue", "-1"}}),
       {},
       p + "queryValue must be greater than 0"},
      {"bad_query_value",
       with(discrete(), {{"queryValue", "x"}}),
       {},
       p + "unable to set param \"queryValue\" value \"x\": expected a number"},
      {"bad_activation",
       with(discrete(), {{"activationQueryValue", "x"}}),
       {},
       p + "unable to set param \"activationQueryValue\" value \"x\": expected a number"},
      {"no_host", without(discrete(), "host"), {}, p + "no host given"},
      {"no_port", without(discrete(), "port"), {}, p + "no port given"},
      {"bad_port",
       with(discrete(), {{"port", "33o6"}}),
       {},
       p + "port \"33o6\" must be a number from 1 to 65535"},
      {"port_range",
       with(discrete(), {{"port", "70000"}}),
       {},
       p + "port \"70000\" must be a number from 1 to 65535"},
      {"nul_in_password",
       discrete(),
       {{"password", std::string("a\0b", 3)}},
       p + "connection parameters must not contain a NUL byte"},
      {"bad_dsn",
       query(),
       {{"connectionString", "app:s3cret@unix(/tmp/sock)/db"}},
       p + "connectionString: invalid DSN: network \"unix\" is not supported: tidal connects "
           "over TCP only (tcp(host:port))"},
      {"bad_dsn_port",
       query(),
       {{"connectionString", "app:s3cret@tcp(db:x)/db"}},
       p + "connectionString: invalid DSN: port \"x\" must be a number from 1 to 65535"},
      {"bad_pool_knob",
       with(discrete(), {{"maxOpenConns", "many"}}),
       {},
       p + "unable to set param \"maxOpenConns\" value \"many\": expected an integer"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    StatusOr<MysqlConfig> cfg = parseMysqlConfig(trigger(c.metadata, c.auth));
    ASSERT_FALSE(cfg.isOk());
    EXPECT_EQ(cfg.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(cfg.status().message(), c.error);
    EXPECT_EQ(cfg.status().message().find("s3cret"), std::string::npos);
  }
  ScalerConfig util = trigger(discrete());
  util.metricType = "Utilization";
  StatusOr<MysqlConfig> cfg = parseMysqlConfig(util);
  ASSERT_FALSE(cfg.isOk());
  EXPECT_EQ(cfg.status().message().rfind("error getting scaler metric type: ", 0), 0u);
  // KEDA's pool knobs are accepted (and have no effect).
  EXPECT_TRUE(parseMysqlConfig(trigger(with(discrete(), {{"useGlobalConnPools", "true"},
                                                         {"maxOpenConns", "5"},
                                                         {"maxIdleConns", "2"},
                                                         {"connMaxIdleTime", "30"}})))
                  .isOk());
}

TEST(MysqlScaler, ValueActivityAndTarget) {
  auto querier = std::make_shared<FakeQuerier>(7.0);
  ScalerConfig c =
      trigger(with(discrete(), {{"activationQueryValue", "7"}, {"queryValue", "2.5"}}));
  c.globalHttpTimeout = std::chrono::milliseconds(1234);
  c.metricType = "Value";
  StatusOr<std::unique_ptr<Scaler>> s = newMysqlScalerWithQuerier(c, querier);
  ASSERT_TRUE(s.isOk()) << s.status().toString();
  const MetricSpec spec = (*s)->metricSpecs().at(0);
  EXPECT_EQ(spec.metricName, "s0-mysql-ci");
  EXPECT_EQ(spec.targetType, "Value");
  EXPECT_EQ(spec.targetString(), "2500m");
  EXPECT_EQ((*s)->activationTarget(), 7.0);
  StatusOr<MetricsAndActivity> m = (*s)->metricsAndActivity("s0-mysql-ci");
  ASSERT_TRUE(m.isOk());
  EXPECT_EQ(m->metrics.at(0).metricName, "s0-mysql-ci");
  EXPECT_EQ(m->metrics.at(0).value.milliValue(), 7000);
  EXPECT_FALSE(m->active);  // 7 is not above 7
  EXPECT_EQ(querier->queries.at(0), "SELECT COUNT(*) FROM jobs");
  EXPECT_EQ(querier->lastTimeout.count(), 1234);

  auto above = std::make_shared<FakeQuerier>(7.001);
  s = newMysqlScalerWithQuerier(c, above);
  ASSERT_TRUE(s.isOk());
  m = (*s)->metricsAndActivity("s0-mysql-ci");
  ASSERT_TRUE(m.isOk());
  EXPECT_TRUE(m->active);
  EXPECT_EQ(m->metrics.at(0).value.milliValue(), 7001);

  auto negative = std::make_shared<FakeQuerier>(-3.0);
  s = newMysqlScalerWithQuerier(c, negative);
  m = (*s)->metricsAndActivity("s0-mysql-ci");
  ASSERT_TRUE(m.isOk());
  EXPECT_EQ(m->metrics.at(0).value.milliValue(), 0);
  EXPECT_FALSE(m->active);
}

TEST(MysqlScaler, ErrorsNameTriggerAndServerButNoSecrets) {
  auto querier = std::make_shared<FakeQuerier>(
      unavailable("cannot connect: server said hunter2-pw was wrong"));
  StatusOr<std::unique_ptr<Scaler>> s =
      newMysqlScalerWithQuerier(trigger(discrete(), {{"password", "hunter2-pw"}}), querier);
  ASSERT_TRUE(s.isOk());
  StatusOr<MetricsAndActivity> m = (*s)->metricsAndActivity("s0-mysql-ci");
  ASSERT_FALSE(m.isOk());
  EXPECT_EQ(m.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(m.status().message(),
            "error inspecting MySQL: trigger s0-mysql-ci at db:3306/ci: cannot connect: server "
            "said *** was wrong");
  const std::string described = (*s)->describe().dump();
  EXPECT_EQ(described.find("hunter2"), std::string::npos);
  EXPECT_NE(described.find("\"host\":\"db\""), std::string::npos);

  const std::string dsn = "app:dsn-secret@tcp(db:3306)/ci";
  auto echo = std::make_shared<FakeQuerier>(invalidArgument("bad: " + dsn));
  s = newMysqlScalerWithQuerier(trigger(query(), {{"connectionString", dsn}}), echo);
  ASSERT_TRUE(s.isOk());
  m = (*s)->metricsAndActivity("s0-mysql-ci");
  ASSERT_FALSE(m.isOk());
  EXPECT_EQ(m.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(m.status().message().find("dsn-secret"), std::string::npos) << m.status().message();
  EXPECT_EQ((*s)->describe().dump().find("dsn-secret"), std::string::npos);

  (*s)->close();
  m = (*s)->metricsAndActivity("s0-mysql-ci");
  EXPECT_EQ(m.status().code(), StatusCode::kFailedPrecondition);
}

TEST(MysqlScaler, RegisteredAndConnectionsSharedPerKey) {
  const ScalerType* type = builtinRegistry().find("mysql");
  ASSERT_NE(type, nullptr);
  EXPECT_EQ(type->metricsLabel, "mySQLScaler");
  const size_t before = mysql::MysqlConnection::pool().liveCount();
  StatusOr<std::unique_ptr<Scaler>> a =
      builtinRegistry().create(trigger(discrete(), {{"password", "x"}}), ScalerContext{});
  StatusOr<std::unique_ptr<Scaler>> b = builtinRegistry().create(
      trigger(with(discrete(), {{"query", "SELECT 2"}}), {{"password", "x"}}), ScalerContext{});
  ASSERT_TRUE(a.isOk() && b.isOk());
  EXPECT_EQ(mysql::MysqlConnection::pool().liveCount(), before + 1);
  StatusOr<std::unique_ptr<Scaler>> c =
      builtinRegistry().create(trigger(discrete(), {{"password", "y"}}), ScalerContext{});
  ASSERT_TRUE(c.isOk());
  EXPECT_EQ(mysql::MysqlConnection::pool().liveCount(), before + 2);
}

}  // namespace
}  // namespace tidal::scalers
