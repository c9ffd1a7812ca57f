#include "scalers/redis/redis_scaler.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "common/clock.h"
#include "scalers/builtin.h"
#include "scalers/redis/redis_streams_scaler.h"
#include "scalers/redis/redis_test_support.h"

namespace tidal::scalers::redis {
namespace {

using testing::ScriptedClient;

ScalerConfig listTrigger(StringMap metadata, std::string type = "redis") {
  ScalerConfig c;
  c.triggerType = std::move(type);
  c.triggerMetadata = std::move(metadata);
  return c;
}

struct ActivityCase {
  const char* name;
  int64_t length;
  int64_t activation;
  bool active;
};

TEST(RedisListScaler, ValueIsTheLengthAndActivityIsStrictlyAbove) {
  const std::vector<ActivityCase> cases = {
      {"empty", 0, 0, false},
      {"one_item", 1, 0, true},
      {"at_activation", 5, 5, false},
      {"above_activation", 6, 5, true},
      {"below_activation", 4, 5, false},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    StatusOr<RedisListConfig> cfg =
        parseRedisListConfig(listTrigger({{"address", "redis:6379"},
                                          {"listName", "jobs"},
                                          {"activationListLength", std::to_string(c.activation)}}));
    ASSERT_TRUE(cfg.isOk());
    auto client = std::make_shared<ScriptedClient>();
    client->replies = {{"EVAL <script> 1 jobs", RedisReply::integerReply(c.length)}};
    auto scaler = makeRedisListScaler(*cfg, client, std::chrono::milliseconds(3000));
    StatusOr<MetricsAndActivity> m = scaler->metricsAndActivity("s0-redis-jobs");
    ASSERT_TRUE(m.isOk()) << m.status().toString();
    EXPECT_EQ(m->active, c.active);
    ASSERT_EQ(m->metrics.size(), 1U);
    EXPECT_EQ(m->metrics[0].metricName, "s0-redis-jobs");
    EXPECT_EQ(m->metrics[0].value.milliValue(), c.length * 1000);
    EXPECT_EQ(scaler->activationTarget(), std::optional<double>(c.activation));
  }
}

TEST(RedisListScaler, MetricSpecHasAnIntegerTarget) {
  ScalerConfig config =
      listTrigger({{"address", "redis:6379"}, {"listName", "my.jobs"}, {"listLength", "12"}});
  config.triggerIndex = 2;
  config.metricType = "Value";
  StatusOr<RedisListConfig> cfg = parseRedisListConfig(config);
  ASSERT_TRUE(cfg.isOk());
  auto scaler = makeRedisListScaler(*cfg, std::make_shared<ScriptedClient>(),
                                    std::chrono::milliseconds(3000));
  const std::vector<MetricSpec> specs = scaler->metricSpecs();
  ASSERT_EQ(specs.size(), 1U);
  EXPECT_EQ(specs[0].metricName, "s2-redis-my-jobs");
  EXPECT_EQ(specs[0].targetType, "Value");
  EXPECT_EQ(specs[0].targetString(), "12");
}

TEST(RedisListScaler, ErrorsNeverCarryThePassword) {
  StatusOr<RedisListConfig> cfg = parseRedisListConfig(
      listTrigger({{"address", "redis:6379"}, {"listName", "jobs"}, {"password", "Sup3rS3cret"}}));
  ASSERT_TRUE(cfg.isOk());
  auto client = std::make_shared<ScriptedClient>();
  // A server (or proxy) that echoes what it got must still not leak it.
  client->replies = {
      {"EVAL <script> 1 jobs", unavailable("redis redis:6379: refused login Sup3rS3cret")}};
  auto scaler = makeRedisListScaler(*cfg, client, std::chrono::milliseconds(3000));
  StatusOr<MetricsAndActivity> m = scaler->metricsAndActivity("s0-redis-jobs");
  ASSERT_FALSE(m.isOk());
  EXPECT_EQ(m.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(m.status().message(), "redis redis:6379: refused login ***");
}

TEST(RedisListScaler, DescribeLeavesSecretsOut) {
  ScalerConfig config = listTrigger({{"addresses", "s1:26379,s2:26379"},
                                     {"listName", "jobs"},
                                     {"sentinelMaster", "mymaster"},
                                     {"username", "app"},
                                     {"password", "pw-secret"},
                                     {"sentinelPassword", "sentinel-secret"}},
                                    "redis-sentinel");
  StatusOr<RedisListConfig> cfg = parseRedisListConfig(config);
  ASSERT_TRUE(cfg.isOk());
  auto scaler = makeRedisListScaler(*cfg, std::make_shared<ScriptedClient>(),
                                    std::chrono::milliseconds(3000));
  const Json d = scaler->describe();
  EXPECT_EQ(d["connectionMode"], "sentinel");
  EXPECT_EQ(d["addresses"], "s1:26379,s2:26379");
  EXPECT_EQ(d["listName"], "jobs");
  EXPECT_EQ(d["listLength"], 5);
  EXPECT_EQ(d["sentinelMaster"], "mymaster");
  EXPECT_EQ(d["username"], "app");
  EXPECT_EQ(d.dump().find("secret"), std::string::npos);
}

struct StreamsCase {
  const char* name;
  StringMap metadata;
  std::map<std::string, StatusOr<RedisReply>> replies;
  int64_t milliValue;
  bool active;
  const char* target;
};

TEST(RedisStreamsScaler, ValuesAndActivityPerMode) {
  const auto integer = RedisReply::integerReply;
  const RedisReply info = RedisReply::string("redis_version:7.0.15\r\n");
  auto groups = [](RedisReply lag) {
    return RedisReply::array(
        {RedisReply::array({RedisReply::string("name"), RedisReply::string("workers"),
                            RedisReply::string("lag"), std::move(lag)})});
  };
  const std::vector<StreamsCase> cases = {
      {"length", {{"stream", "orders"}}, {{"XLEN orders", integer(7)}}, 7000, true, "5"},
      {"length_empty", {{"stream", "orders"}}, {{"XLEN orders", integer(0)}}, 0, false, "5"},
      {"pending",
       {{"stream", "orders"}, {"consumerGroup", "workers"}, {"pendingEntriesCount", "2"}},
       {{"XPENDING orders workers",
         RedisReply::array({integer(3), RedisReply::string("1-0"), RedisReply::string("3-0"),
                            RedisReply::array({})})}},
       3000,
       true,
       "2"},
      {"lag",
       {{"stream", "orders"},
        {"consumerGroup", "workers"},
        {"lagCount", "4"},
        {"activationLagCount", "9"}},
       {{"INFO server", info}, {"XINFO GROUPS orders", groups(integer(9))}},
       9000,
       false,
       "4"},
      {"lag_unknown_reports_zero_inactive",
       {{"stream", "orders"}, {"consumerGroup", "workers"}, {"lagCount", "4"}},
       {{"INFO server", info}, {"XINFO GROUPS orders", groups(RedisReply::nil())}},
       0,
       false,
       "4"},
      {"lag_unknown_active_below_negative_activation",
       {{"stream", "orders"},
        {"consumerGroup", "workers"},
        {"lagCount", "4"},
        {"activationLagCount", "-2"}},
       {{"INFO server", info}, {"XINFO GROUPS orders", groups(RedisReply::nil())}},
       0,
       true,
       "4"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    StringMap md = c.metadata;
    md["address"] = "redis:6379";
    StatusOr<RedisStreamsConfig> cfg = parseRedisStreamsConfig(listTrigger(md, "redis-streams"));
    ASSERT_TRUE(cfg.isOk()) << cfg.status().toString();
    auto client = std::make_shared<ScriptedClient>();
    client->replies = c.replies;
    auto scaler = makeRedisStreamsScaler(*cfg, client, std::chrono::milliseconds(3000));
    EXPECT_EQ(scaler->metricSpecs().at(0).targetString(), c.target);
    EXPECT_EQ(scaler->metricSpecs().at(0).metricName, "s0-redis-streams-orders");
    StatusOr<MetricsAndActivity> m = scaler->metricsAndActivity("s0-redis-streams-orders");
    ASSERT_TRUE(m.isOk()) << m.status().toString();
    EXPECT_EQ(m->metrics.at(0).value.milliValue(), c.milliValue);
    EXPECT_EQ(m->active, c.active);
  }
}

TEST(RedisScalers, AllSixTypesAreRegistered) {
  const ScalerRegistry& registry = builtinRegistry();
  struct Case {
    const char* type;
    StringMap metadata;
    const char* label;
  };
  const std::vector<Case> cases = {
      {"redis", {{"address", "127.0.0.1:1"}, {"listName", "l"}}, "redisScaler"},
      {"redis-cluster",
       {{"addresses", "127.0.0.1:1,127.0.0.1:2"}, {"listName", "l"}},
       "redisScaler"},
      {"redis-sentinel",
       {{"addresses", "127.0.0.1:1"}, {"listName", "l"}, {"sentinelMaster", "m"}},
       "redisScaler"},
      {"redis-streams", {{"address", "127.0.0.1:1"}, {"stream", "s"}}, "redisStreamsScaler"},
      {"redis-cluster-streams",
       {{"addresses", "127.0.0.1:1"}, {"stream", "s"}},
       "redisStreamsScaler"},
      {"redis-sentinel-streams",
       {{"addresses", "127.0.0.1:1"}, {"stream", "s"}, {"sentinelMaster", "m"}},
       "redisStreamsScaler"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.type);
    const ScalerType* type = registry.find(c.type);
    ASSERT_NE(type, nullptr);
    EXPECT_EQ(type->metricsLabel, c.label);
    // Building a scaler does no I/O: nothing listens on port 1, and that is fine until a poll.
    StatusOr<std::unique_ptr<Scaler>> scaler =
        registry.create(listTrigger(c.metadata, c.type), ScalerContext{});
    ASSERT_TRUE(scaler.isOk()) << scaler.status().toString();
    EXPECT_FALSE((*scaler)->describe().empty());
    (*scaler)->close();
  }
}

TEST(RedisScalers, UnusableTlsMaterialIsRefusedAtCreation) {
  ScalerConfig config =
      listTrigger({{"address", "127.0.0.1:1"}, {"listName", "l"}, {"enableTLS", "true"}});
  EXPECT_TRUE(builtinRegistry().create(config, ScalerContext{}).isOk());
  config.authParams = {{"ca", "garbage"}};
  StatusOr<std::unique_ptr<Scaler>> scaler = builtinRegistry().create(config, ScalerContext{});
  ASSERT_FALSE(scaler.isOk());
  EXPECT_EQ(scaler.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(scaler.status().message(),
            "connection to redis failed: unable to load the CA certificate (ca): no PEM");
}

struct PushCase {
  const char* name;
  int64_t length;
  int64_t activation;
  int activityCalls;  // the check after subscribing, and one per event
};

TEST(RedisListPushScaler, SubscribesAndReportsActivityOnEvents) {
  const std::vector<PushCase> cases = {
      {"active", 3, 2, 2},
      {"not_above_activation", 2, 2, 0},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    StatusOr<RedisListConfig> cfg =
        parseRedisListConfig(listTrigger({{"address", "redis:6379"},
                                          {"listName", "jobs"},
                                          {"databaseIndex", "4"},
                                          {"password", "pw"},
                                          {"activationListLength", std::to_string(c.activation)}}));
    ASSERT_TRUE(cfg.isOk());
    testing::FakeNetwork net;
    FakeClock clock;
    net.server("redis:6379").handle =
        [](const std::vector<std::string>& args) -> StatusOr<RedisReply> {
      if (args[0] == "SUBSCRIBE") {
        return RedisReply::array({RedisReply::string("subscribe"), RedisReply::string(args[1]),
                                  RedisReply::integerReply(1)});
      }
      return RedisReply::status("OK");
    };
    net.server("redis:6379").pushes = {RedisReply::array(
        {RedisReply::string("message"), RedisReply::string("ch"), RedisReply::string("rpush")})};
    auto client = std::make_shared<ScriptedClient>();
    client->replies = {{"EVAL <script> 1 jobs", RedisReply::integerReply(c.length)}};
    std::unique_ptr<Scaler> scaler =
        makeRedisListScaler(*cfg, client, std::chrono::milliseconds(3000), net.factory(), &clock);
    auto* push = dynamic_cast<PushScaler*>(scaler.get());
    ASSERT_NE(push, nullptr);
    int activity = 0;
    int stopChecks = 0;
    push->run([&](bool active) { activity += active ? 1 : 0; }, [&] { return ++stopChecks > 6; });
    EXPECT_EQ(activity, c.activityCalls);
    const std::vector<std::vector<std::string>> expected = {
        {"AUTH", "pw"}, {"CLIENT", "SETNAME", "tidal-watch"}, {"SUBSCRIBE", "__keyspace@4__:jobs"}};
    EXPECT_EQ(net.server("redis:6379").received, expected);
  }
}

TEST(RedisListPushScaler, OnlyStandaloneTriggersPush) {
  testing::FakeNetwork net;
  for (const char* type : {"redis-cluster", "redis-sentinel"}) {
    SCOPED_TRACE(type);
    StatusOr<RedisListConfig> cfg = parseRedisListConfig(
        listTrigger({{"address", "a:1"}, {"listName", "jobs"}, {"sentinelMaster", "m"}}, type));
    ASSERT_TRUE(cfg.isOk());
    auto scaler = makeRedisListScaler(*cfg, std::make_shared<ScriptedClient>(),
                                      std::chrono::milliseconds(3000), net.factory());
    EXPECT_EQ(dynamic_cast<PushScaler*>(scaler.get()), nullptr);
  }
  StatusOr<std::unique_ptr<Scaler>> viaRegistry = builtinRegistry().create(
      listTrigger({{"address", "127.0.0.1:1"}, {"listName", "l"}}), ScalerContext{});
  ASSERT_TRUE(viaRegistry.isOk());
  EXPECT_NE(dynamic_cast<PushScaler*>(viaRegistry->get()), nullptr);
}

TEST(MaskSecrets, ReplacesEveryOccurrence) {
  EXPECT_EQ(maskSecrets(unavailable("a pw123 b pw123"), {"pw123"}).message(), "a *** b ***");
  EXPECT_EQ(maskSecrets(unavailable("short a"), {"a"}).message(), "short a");
  EXPECT_EQ(maskSecrets(unavailable("none"), {}).message(), "none");
  EXPECT_EQ(maskSecrets(unavailable("x"), {"abc"}).code(), StatusCode::kUnavailable);
}

}  // namespace
}  // namespace tidal::scalers::redis
