// The postgresql trigger: parameters and KEDA's rules, the connection string and pool key, and
// polls through a fake connection (the real server is in tests/integration/postgresql).
#include "scalers/postgresql/postgresql_scaler.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "scalers/registry.h"

namespace tidal::scalers {
namespace {

using postgresql::parsePostgresConfig;
using postgresql::PostgresConfig;

class FakeQuerier : public postgresql::NumberQuerier {
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
  c.triggerType = "postgresql";
  c.triggerMetadata = std::move(metadata);
  c.authParams = std::move(auth);
  c.resolvedEnv = std::move(env);
  return c;
}

StringMap discrete() {
  return {{"query", "SELECT count(*) FROM jobs"},
          {"targetQueryValue", "5"},
          {"host", "db"},
          {"port", "5432"},
          {"userName", "app"},
          {"dbName", "jobs"},
          {"sslmode", "disable"}};
}

StringMap with(StringMap base, const StringMap& extra) {
  for (const auto& [k, v] : extra) base[k] = v;
  return base;
}

StringMap without(StringMap base, const std::string& key) {
  base.erase(key);
  return base;
}

TEST(PostgresParams, DiscreteParametersBuildTheConnectionString) {
  StatusOr<PostgresConfig> cfg =
      parsePostgresConfig(trigger(discrete(), {{"password", "pa ss'word"}}));
  ASSERT_TRUE(cfg.isOk()) << cfg.status().toString();
  EXPECT_EQ(cfg->conninfo,
            R"(host=db port=5432 user=app dbname=jobs sslmode=disable password='pa ss\'word')");
  EXPECT_EQ(cfg->metricName, "s0-postgresql");
  EXPECT_EQ(cfg->server, "db:5432/jobs");
  EXPECT_EQ(cfg->poolKey.find("pa ss"), std::string::npos);
  EXPECT_EQ(cfg->metadata.activationTargetQueryValue, 0);
}

TEST(PostgresParams, AuthParamsWinOverMetadataAndConnectionFromEnv) {
  StatusOr<PostgresConfig> cfg = parsePostgresConfig(
      trigger(with(discrete(), {{"host", "meta-host"}}), {{"host", "auth-host"}}));
  ASSERT_TRUE(cfg.isOk());
  EXPECT_EQ(cfg->metadata.host, "auth-host");

  StatusOr<PostgresConfig> env = parsePostgresConfig(
      trigger({{"query", "SELECT 1"}, {"targetQueryValue", "1"}, {"connectionFromEnv", "PG_URL"}},
              {}, {{"PG_URL", "postgresql://app:pw@db:6543/jobs?sslmode=require"}}));
  ASSERT_TRUE(env.isOk()) << env.status().toString();
  EXPECT_EQ(env->conninfo, "postgresql://app:pw@db:6543/jobs?sslmode=require");
  EXPECT_EQ(env->server, "db:6543/jobs");
  EXPECT_EQ(env->poolKey.find("pw"), std::string::npos);
}

TEST(PostgresParams, PoolKeysSeparateWhatMustNotShare) {
  auto key = [](const StringMap& md, const StringMap& auth) {
    return parsePostgresConfig(trigger(md, auth))->poolKey;
  };
  const std::string base = key(discrete(), {{"password", "a"}});
  EXPECT_EQ(base, key(with(discrete(), {{"query", "SELECT 2"}}), {{"password", "a"}}));
  EXPECT_NE(base, key(discrete(), {{"password", "b"}}));
  EXPECT_NE(base, key(with(discrete(), {{"sslmode", "require"}}), {{"password", "a"}}));
  EXPECT_NE(base, key(with(discrete(), {{"dbName", "other"}}), {{"password", "a"}}));
  EXPECT_NE(base, key(with(discrete(), {{"userName", "other"}}), {{"password", "a"}}));
  EXPECT_NE(base, key(with(discrete(), {{"port", "5433"}}), {{"password", "a"}}));
}

TEST(PostgresParams, Errors) {
  struct Case {
    const char* name;
    StringMap metadata;
    StringMap auth;
    std::string error;
  };
  const std::string p = "error parsing postgresql metadata: ";
  const std::vector<Case> cases = {
      {"no_query",
       without(discrete(), "query"),
       {},
       p + "missing required parameter \"query\" in [triggerMetadata]"},
      {"no_target", without(discrete(), "targetQueryValue"), {}, p + "no targetQueryValue given"},
      {"zero_target",
       with(discrete(), {{"targetQueryValue", "0"}}),
       {},
       p + "no targetQueryValue given"},
      {"bad_target",
       with(discrete(), {{"targetQueryValue", "x"}}),
       {},
       p + "unable to set param \"targetQueryValue\" value \"x\": expected a number"},
      {"bad_activation",
       with(discrete(), {{"activationTargetQueryValue", "x"}}),
       {},
       p + "unable to set param \"activationTargetQueryValue\" value \"x\": expected a number"},
      {"no_host", without(discrete(), "host"), {}, p + "no host given"},
      {"no_port", without(discrete(), "port"), {}, p + "no port given"},
      {"no_user", without(discrete(), "userName"), {}, p + "no userName given"},
      {"no_db", without(discrete(), "dbName"), {}, p + "no dbName given"},
      {"no_sslmode", without(discrete(), "sslmode"), {}, p + "no sslmode given"},
      {"bad_sslmode",
       with(discrete(), {{"sslmode", "sometimes"}}),
       {},
       p + "sslmode \"sometimes\" must be one of disable, allow, prefer, require, verify-ca, "
           "verify-full"},
      {"bad_port",
       with(discrete(), {{"port", "54x"}}),
       {},
       p + "port \"54x\" must be a number from 1 to 65535"},
      {"nul_in_password",
       discrete(),
       {{"password", std::string("a\0b", 3)}},
       p + "connection parameters must not contain a NUL byte"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    StatusOr<PostgresConfig> cfg = parsePostgresConfig(trigger(c.metadata, c.auth));
    ASSERT_FALSE(cfg.isOk());
    EXPECT_EQ(cfg.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(cfg.status().message(), c.error);
  }
  // With a connection string nothing else is required.
  EXPECT_TRUE(parsePostgresConfig(trigger({{"query", "SELECT 1"}, {"targetQueryValue", "1"}},
                                          {{"connection", "host=db dbname=jobs"}}))
                  .isOk());
}

TEST(PostgresScaler, ValueActivityAndTarget) {
  auto querier = std::make_shared<FakeQuerier>(7.0);
  ScalerConfig c =
      trigger(with(discrete(), {{"activationTargetQueryValue", "7"}, {"targetQueryValue", "2.5"}}));
  c.globalHttpTimeout = std::chrono::milliseconds(1234);
  StatusOr<std::unique_ptr<Scaler>> s = newPostgresScalerWithQuerier(c, querier);
  ASSERT_TRUE(s.isOk()) << s.status().toString();
  EXPECT_EQ((*s)->metricSpecs().at(0).metricName, "s0-postgresql");
  EXPECT_EQ((*s)->metricSpecs().at(0).targetString(), "2500m");
  StatusOr<MetricsAndActivity> m = (*s)->metricsAndActivity("s0-postgresql");
  ASSERT_TRUE(m.isOk());
  EXPECT_EQ(m->metrics.at(0).value.milliValue(), 7000);
  EXPECT_FALSE(m->active);  // 7 is not above 7
  EXPECT_EQ(querier->queries.at(0), "SELECT count(*) FROM jobs");
  EXPECT_EQ(querier->lastTimeout.count(), 1234);
}

TEST(PostgresScaler, ErrorsNameTriggerAndServerButNoPassword) {
  auto querier = std::make_shared<FakeQuerier>(
      unavailable("cannot connect: server said hunter2-pw was wrong"));
  StatusOr<std::unique_ptr<Scaler>> s =
      newPostgresScalerWithQuerier(trigger(discrete(), {{"password", "hunter2-pw"}}), querier);
  ASSERT_TRUE(s.isOk());
  StatusOr<MetricsAndActivity> m = (*s)->metricsAndActivity("s0-postgresql");
  ASSERT_FALSE(m.isOk());
  EXPECT_EQ(m.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(m.status().message(),
            "error inspecting postgreSQL: trigger s0-postgresql at db:5432/jobs: cannot connect: "
            "server said *** was wrong");
  EXPECT_FALSE((*s)->describe().dump().find("hunter2") != std::string::npos);
}

TEST(PostgresScaler, ConnectionsAreSharedPerKey) {
  const size_t before = postgresql::PgConnection::pool().liveCount();
  StatusOr<std::unique_ptr<Scaler>> a =
      builtinRegistry().create(trigger(discrete(), {{"password", "x"}}), ScalerContext{});
  StatusOr<std::unique_ptr<Scaler>> b = builtinRegistry().create(
      trigger(with(discrete(), {{"query", "SELECT 2"}}), {{"password", "x"}}), ScalerContext{});
  ASSERT_TRUE(a.isOk() && b.isOk());
  EXPECT_EQ(postgresql::PgConnection::pool().liveCount(), before + 1);
  StatusOr<std::unique_ptr<Scaler>> c =
      builtinRegistry().create(trigger(discrete(), {{"password", "y"}}), ScalerContext{});
  ASSERT_TRUE(c.isOk());
  EXPECT_EQ(postgresql::PgConnection::pool().liveCount(), before + 2);
  EXPECT_EQ(builtinRegistry().find("postgresql")->metricsLabel, "postgreSQLScaler");
}

}  // namespace
}  // namespace tidal::scalers
