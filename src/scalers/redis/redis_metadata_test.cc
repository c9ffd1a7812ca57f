#include "scalers/redis/redis_metadata.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace tidal::scalers::redis {
namespace {

struct Trigger {
  const char* type = "redis";
  StringMap metadata;
  StringMap auth;
  StringMap env;
  int index = 0;
  std::string metricType;
};

ScalerConfig configOf(const Trigger& t) {
  ScalerConfig c;
  c.triggerType = t.type;
  c.triggerIndex = t.index;
  c.triggerMetadata = t.metadata;
  c.authParams = t.auth;
  c.resolvedEnv = t.env;
  c.metricType = t.metricType;
  return c;
}

constexpr const char* kListPrefix = "error parsing redis metadata: error parsing redis metadata: ";
constexpr const char* kStreamsPrefix =
    "error parsing redis streams metadata: error parsing redis stream metadata: ";

// ---- list triggers: values ---------------------------------------------------------------------

struct ListCase {
  const char* name;
  Trigger trigger;
  // Expectations.
  std::vector<std::string> addresses;
  int64_t target = 5;
  int64_t activation = 0;
  int64_t database = 0;
  std::string username;
  std::string password;
  bool tls = false;
  std::string metricName = "s0-redis-jobs";
};

TEST(RedisListConfig, ParsesEveryParameterFromItsSources) {
  const std::vector<ListCase> cases = {
      {.name = "defaults",
       .trigger = {.metadata = {{"address", "redis:6379"}, {"listName", "jobs"}}},
       .addresses = {"redis:6379"}},
      {.name = "targets_and_database",
       .trigger = {.metadata = {{"address", "redis:6379"},
                                {"listName", "jobs"},
                                {"listLength", "12"},
                                {"activationListLength", "3"},
                                {"databaseIndex", "4"}}},
       .addresses = {"redis:6379"},
       .target = 12,
       .activation = 3,
       .database = 4},
      {.name = "values_are_trimmed",
       .trigger = {.metadata = {{"address", " redis:6379 "},
                                {"listName", " jobs "},
                                {"listLength", " 7 "}}},
       .addresses = {"redis:6379"},
       .target = 7},
      {.name = "addresses_alias",
       .trigger = {.metadata = {{"addresses", "a:1, b:2"}, {"listName", "jobs"}}},
       .addresses = {"a:1", "b:2"}},
      {.name = "address_from_auth",
       .trigger = {.metadata = {{"listName", "jobs"}}, .auth = {{"address", "auth:6379"}}},
       .addresses = {"auth:6379"}},
      {.name = "address_from_env",
       .trigger = {.metadata = {{"listName", "jobs"}, {"addressFromEnv", "REDIS_ADDR"}},
                   .env = {{"REDIS_ADDR", "env:6379"}}},
       .addresses = {"env:6379"}},
      {.name = "address_metadata_before_auth_before_env",
       .trigger = {.metadata = {{"listName", "jobs"},
                                {"address", "meta:1"},
                                {"addressFromEnv", "A"}},
                   .auth = {{"address", "auth:2"}},
                   .env = {{"A", "env:3"}}},
       .addresses = {"meta:1"}},
      {.name = "address_auth_before_env",
       .trigger = {.metadata = {{"listName", "jobs"}, {"addressFromEnv", "A"}},
                   .auth = {{"address", "auth:2"}},
                   .env = {{"A", "env:3"}}},
       .addresses = {"auth:2"}},
      {.name = "empty_address_counts_as_missing",
       .trigger = {.metadata = {{"listName", "jobs"}, {"address", "  "}},
                   .auth = {{"address", "auth:2"}}},
       .addresses = {"auth:2"}},
      {.name = "host_and_port",
       .trigger = {.metadata = {{"listName", "jobs"}, {"host", "redis"}, {"port", "6380"}}},
       .addresses = {"redis:6380"}},
      {.name = "hosts_and_ports_aliases_from_env",
       .trigger = {.metadata = {{"listName", "jobs"}, {"hostsFromEnv", "H"}, {"portsFromEnv", "P"}},
                   .env = {{"H", "a,b"}, {"P", "1,2"}}},
       .addresses = {"a:1", "b:2"}},
      {.name = "host_env_before_auth",
       .trigger = {.metadata = {{"listName", "jobs"}, {"hostFromEnv", "H"}, {"port", "1"}},
                   .auth = {{"host", "auth"}},
                   .env = {{"H", "env"}}},
       .addresses = {"env:1"}},
      {.name = "host_from_auth",
       .trigger = {.metadata = {{"listName", "jobs"}}, .auth = {{"host", "auth"}, {"port", "9"}}},
       .addresses = {"auth:9"}},
      {.name = "hosts_are_appended_to_addresses",
       .trigger =
           {.metadata = {{"listName", "jobs"}, {"address", "a:1"}, {"host", "b"}, {"port", "2"}}},
       .addresses = {"a:1", "b:2"}},
      {.name = "ipv6_host_gets_brackets",
       .trigger = {.metadata = {{"listName", "jobs"}, {"host", "::1"}, {"port", "6379"}}},
       .addresses = {"[::1]:6379"}},
      {.name = "empty_later_addresses_are_skipped",
       .trigger = {.metadata = {{"listName", "jobs"}, {"address", "a:1,,b:2,"}}},
       .addresses = {"a:1", "b:2"}},
      {.name = "credentials_from_metadata",
       .trigger = {.metadata = {{"listName", "jobs"},
                                {"address", "a:1"},
                                {"username", "app"},
                                {"password", "s3cret"}}},
       .addresses = {"a:1"},
       .username = "app",
       .password = "s3cret"},
      {.name = "password_env_before_auth",
       .trigger = {.metadata = {{"listName", "jobs"},
                                {"address", "a:1"},
                                {"passwordFromEnv", "PW"}},
                   .auth = {{"password", "from-auth"}},
                   .env = {{"PW", "from-env"}}},
       .addresses = {"a:1"},
       .password = "from-env"},
      {.name = "credentials_from_auth",
       .trigger = {.metadata = {{"listName", "jobs"}, {"address", "a:1"}},
                   .auth = {{"username", "u"}, {"password", "from-auth"}}},
       .addresses = {"a:1"},
       .username = "u",
       .password = "from-auth"},
      {.name = "enable_tls_metadata",
       .trigger = {.metadata = {{"listName", "jobs"}, {"address", "a:1"}, {"enableTLS", "true"}}},
       .addresses = {"a:1"},
       .tls = true},
      {.name = "enable_tls_false",
       .trigger = {.metadata = {{"listName", "jobs"}, {"address", "a:1"}, {"enableTLS", "0"}}},
       .addresses = {"a:1"},
       .tls = false},
      {.name = "tls_auth_enable",
       .trigger = {.metadata = {{"listName", "jobs"}, {"address", "a:1"}},
                   .auth = {{"tls", "enable"}}},
       .addresses = {"a:1"},
       .tls = true},
      {.name = "tls_auth_disable",
       .trigger = {.metadata = {{"listName", "jobs"}, {"address", "a:1"}},
                   .auth = {{"tls", "disable"}}},
       .addresses = {"a:1"},
       .tls = false},
      {.name = "tls_in_metadata_is_not_the_auth_switch",
       .trigger = {.metadata = {{"listName", "jobs"}, {"address", "a:1"}, {"tls", "enable"}}},
       .addresses = {"a:1"},
       .tls = false},
      {.name = "metric_name_normalised_with_index",
       .trigger = {.metadata = {{"listName", "my/list.v1:x(%)"}, {"address", "a:1"}}, .index = 3},
       .addresses = {"a:1"},
       .metricName = "s3-redis-my-list-v1-x---"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    StatusOr<RedisListConfig> cfg = parseRedisListConfig(configOf(c.trigger));
    ASSERT_TRUE(cfg.isOk()) << cfg.status().toString();
    std::vector<std::string> addresses;
    for (const auto& a : cfg->connection.addresses) addresses.push_back(a.toString());
    EXPECT_EQ(addresses, c.addresses);
    EXPECT_EQ(cfg->target, c.target);
    EXPECT_EQ(cfg->activationTarget, c.activation);
    EXPECT_EQ(cfg->connection.databaseIndex, c.database);
    EXPECT_EQ(cfg->connection.username, c.username);
    EXPECT_EQ(cfg->connection.password, c.password);
    EXPECT_EQ(cfg->connection.tls.enabled, c.tls);
    EXPECT_EQ(cfg->metricName, c.metricName);
    EXPECT_EQ(cfg->targetType, "AverageValue");
    EXPECT_EQ(cfg->connection.mode, RedisMode::kStandalone);
  }
}

TEST(RedisListConfig, TlsMaterialComesOnlyFromAuthentication) {
  Trigger t{.metadata = {{"listName", "jobs"},
                         {"address", "a:1"},
                         {"enableTLS", "true"},
                         {"unsafeSsl", "true"},
                         {"key", "meta-key"},
                         {"ca", "meta-ca"}},
            .auth = {{"cert", "CERT"}, {"key", "KEY"}, {"keyPassword", "KP"}, {"ca", "CA"}}};
  StatusOr<RedisListConfig> cfg = parseRedisListConfig(configOf(t));
  ASSERT_TRUE(cfg.isOk()) << cfg.status().toString();
  const RedisTls& tls = cfg->connection.tls;
  EXPECT_TRUE(tls.enabled);
  EXPECT_TRUE(tls.unsafeSsl);
  EXPECT_EQ(tls.cert, "CERT");
  EXPECT_EQ(tls.key, "KEY");
  EXPECT_EQ(tls.keyPassword, "KP");
  EXPECT_EQ(tls.ca, "CA");

  // `Cert` (capitalised) is KEDA's first spelling and wins over `cert`.
  t.auth = {{"Cert", "UPPER"}, {"cert", "lower"}};
  cfg = parseRedisListConfig(configOf(t));
  ASSERT_TRUE(cfg.isOk());
  EXPECT_EQ(cfg->connection.tls.cert, "UPPER");
}

TEST(RedisListConfig, SentinelAndClusterSettings) {
  Trigger sentinel{.type = "redis-sentinel",
                   .metadata = {{"listName", "jobs"},
                                {"addresses", "s1:26379,s2:26379"},
                                {"sentinelMaster", "mymaster"},
                                {"databaseIndex", "2"}},
                   .auth = {{"sentinelUsername", "su"}, {"sentinelPassword", "sp"}}};
  StatusOr<RedisListConfig> s = parseRedisListConfig(configOf(sentinel));
  ASSERT_TRUE(s.isOk()) << s.status().toString();
  EXPECT_EQ(s->connection.mode, RedisMode::kSentinel);
  EXPECT_EQ(s->connection.addressList(), "s1:26379,s2:26379");
  EXPECT_EQ(s->connection.sentinelMaster, "mymaster");
  EXPECT_EQ(s->connection.sentinelUsername, "su");
  EXPECT_EQ(s->connection.sentinelPassword, "sp");
  EXPECT_EQ(s->connection.databaseIndex, 2);

  // Sentinel settings: metadata first, then authentication, then the environment.
  sentinel.metadata["sentinelMasterFromEnv"] = "M";
  sentinel.metadata.erase("sentinelMaster");
  sentinel.env = {{"M", "env-master"}};
  sentinel.auth["sentinelMaster"] = "auth-master";
  s = parseRedisListConfig(configOf(sentinel));
  ASSERT_TRUE(s.isOk());
  EXPECT_EQ(s->connection.sentinelMaster, "auth-master");

  Trigger cluster{.type = "redis-cluster",
                  .metadata = {{"listName", "jobs"},
                               {"addresses", "n1:7000, n2:7001, n3:7002"},
                               {"databaseIndex", "5"}}};
  StatusOr<RedisListConfig> c = parseRedisListConfig(configOf(cluster));
  ASSERT_TRUE(c.isOk()) << c.status().toString();
  EXPECT_EQ(c->connection.mode, RedisMode::kCluster);
  EXPECT_EQ(c->connection.addresses.size(), 3U);
  EXPECT_EQ(c->connection.databaseIndex, 0);  // a cluster has database 0 only
}

// ---- list triggers: errors ---------------------------------------------------------------------

struct ErrorCase {
  const char* name;
  Trigger trigger;
  std::string message;  // the whole message
};

TEST(RedisListConfig, RejectsWithKedaMessages) {
  const std::vector<ErrorCase> cases = {
      {"missing_list_name",
       {.metadata = {{"address", "a:1"}}},
       std::string(kListPrefix) + "missing required parameter \"listName\" in [triggerMetadata]"},
      {"list_name_only_from_metadata",
       {.metadata = {{"address", "a:1"}}, .auth = {{"listName", "jobs"}}},
       std::string(kListPrefix) + "missing required parameter \"listName\" in [triggerMetadata]"},
      {"no_address",
       {.metadata = {{"listName", "jobs"}}},
       std::string(kListPrefix) +
           "no addresses or hosts given. address should be a comma separated list of host:port "
           "or set the host/port values"},
      {"first_address_empty",
       {.metadata = {{"listName", "jobs"}, {"address", ",a:1"}}},
       std::string(kListPrefix) +
           "no addresses or hosts given. address should be a comma separated list of host:port "
           "or set the host/port values"},
      {"hosts_without_ports",
       {.metadata = {{"listName", "jobs"}, {"host", "redis"}}},
       std::string(kListPrefix) +
           "no addresses or hosts given. address should be a comma separated list of host:port "
           "or set the host/port values"},
      {"hosts_and_ports_differ_in_number",
       {.metadata = {{"listName", "jobs"}, {"hosts", "a,b"}, {"ports", "1"}}},
       std::string(kListPrefix) +
           "not enough hosts or ports given. number of hosts should be equal to the number of "
           "ports"},
      {"list_length_not_a_number",
       {.metadata = {{"listName", "jobs"}, {"address", "a:1"}, {"listLength", "AA"}}},
       std::string(kListPrefix) + "unable to set param \"listLength\" value \"AA\": expected an "
                                  "integer"},
      {"list_length_fraction",
       {.metadata = {{"listName", "jobs"}, {"address", "a:1"}, {"listLength", "1.5"}}},
       std::string(kListPrefix) + "unable to set param \"listLength\" value \"1.5\": expected an "
                                  "integer, got a number with a fraction"},
      {"activation_not_a_number",
       {.metadata = {{"listName", "jobs"}, {"address", "a:1"}, {"activationListLength", "x"}}},
       std::string(kListPrefix) +
           "unable to set param \"activationListLength\" value \"x\": expected an integer"},
      {"database_not_a_number",
       {.metadata = {{"listName", "jobs"}, {"address", "a:1"}, {"databaseIndex", "one"}}},
       std::string(kListPrefix) +
           "unable to set param \"databaseIndex\" value \"one\": expected an integer"},
      {"unsafe_ssl_not_a_bool",
       {.metadata = {{"listName", "jobs"}, {"address", "a:1"}, {"unsafeSsl", "yes"}}},
       std::string(kListPrefix) + "unable to set param \"unsafeSsl\" value \"yes\": expected a "
                                  "boolean (true, false, 1, 0, t or f)"},
      {"enable_tls_not_a_bool",
       {.metadata = {{"listName", "jobs"}, {"address", "a:1"}, {"enableTLS", "yes"}}},
       std::string(kListPrefix) +
           "EnableTLS parsing error strconv.ParseBool: parsing \"yes\": invalid syntax"},
      {"tls_in_both_places",
       {.metadata = {{"listName", "jobs"}, {"address", "a:1"}, {"enableTLS", "true"}},
        .auth = {{"tls", "enable"}}},
       std::string(kListPrefix) +
           "unable to set `tls` in both ScaledObject and TriggerAuthentication together"},
      {"tls_auth_value_unknown",
       {.metadata = {{"listName", "jobs"}, {"address", "a:1"}}, .auth = {{"tls", "on"}}},
       std::string(kListPrefix) + "error incorrect TLS value given, got on"},
      {"utilization_metric_type",
       {.metadata = {{"listName", "jobs"}, {"address", "a:1"}}, .metricType = "Utilization"},
       "error getting scaler metric type: 'Utilization' metric type is unsupported for external "
       "metrics, allowed values are 'Value' or 'AverageValue'"},
      // tidal's own checks, made at parse time rather than at the first connection.
      {"address_without_port",
       {.metadata = {{"listName", "jobs"}, {"address", "redis"}}},
       std::string(kListPrefix) + "address \"redis\" is not host:port (missing port)"},
      {"address_port_out_of_range",
       {.metadata = {{"listName", "jobs"}, {"address", "redis:70000"}}},
       std::string(kListPrefix) +
           "address \"redis:70000\" is not host:port (the port must be a number from 1 to "
           "65535)"},
      {"address_unbracketed_ipv6",
       {.metadata = {{"listName", "jobs"}, {"address", "::1:6379"}}},
       std::string(kListPrefix) + "address \"::1:6379\" is not host:port (an IPv6 host needs "
                                  "brackets)"},
      {"negative_database",
       {.metadata = {{"listName", "jobs"}, {"address", "a:1"}, {"databaseIndex", "-1"}}},
       std::string(kListPrefix) + "databaseIndex must be 0 or more, got -1"},
      {"sentinel_without_master",
       {.type = "redis-sentinel", .metadata = {{"listName", "jobs"}, {"address", "s:26379"}}},
       std::string(kListPrefix) +
           "sentinelMaster is required for redis-sentinel triggers: the name of the master the "
           "sentinels monitor"},
      {"every_problem_is_listed",
       {.metadata = {{"listName", "jobs"}, {"address", "nope"}, {"enableTLS", "maybe"}}},
       std::string(kListPrefix) +
           "EnableTLS parsing error strconv.ParseBool: parsing \"maybe\": invalid syntax\n"
           "address \"nope\" is not host:port (missing port)"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    StatusOr<RedisListConfig> cfg = parseRedisListConfig(configOf(c.trigger));
    ASSERT_FALSE(cfg.isOk());
    EXPECT_EQ(cfg.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(cfg.status().message(), c.message);
  }
}

TEST(RedisListConfig, PasswordNeverAppearsInErrors) {
  Trigger t{.metadata = {{"listName", "jobs"}, {"address", "bad"}, {"password", "hunter22"}},
            .auth = {{"sentinelPassword", "sentinel-secret"}, {"keyPassword", "kp-secret"}}};
  StatusOr<RedisListConfig> cfg = parseRedisListConfig(configOf(t));
  ASSERT_FALSE(cfg.isOk());
  EXPECT_EQ(cfg.status().message().find("hunter22"), std::string::npos);
  EXPECT_EQ(cfg.status().message().find("secret"), std::string::npos);
}

TEST(RedisListConfig, SentinelMasterIsNotRequiredOutsideSentinel) {
  for (const char* type : {"redis", "redis-cluster"}) {
    SCOPED_TRACE(type);
    Trigger t{.type = type, .metadata = {{"listName", "jobs"}, {"address", "a:1"}}};
    EXPECT_TRUE(parseRedisListConfig(configOf(t)).isOk());
  }
}

TEST(RedisMode, FollowsTheTriggerType) {
  EXPECT_EQ(redisModeOf("redis"), RedisMode::kStandalone);
  EXPECT_EQ(redisModeOf("redis-streams"), RedisMode::kStandalone);
  EXPECT_EQ(redisModeOf("redis-cluster"), RedisMode::kCluster);
  EXPECT_EQ(redisModeOf("redis-cluster-streams"), RedisMode::kCluster);
  EXPECT_EQ(redisModeOf("redis-sentinel"), RedisMode::kSentinel);
  EXPECT_EQ(redisModeOf("redis-sentinel-streams"), RedisMode::kSentinel);
}

TEST(HostPort, ParsesAndPrints) {
  struct Case {
    const char* in;
    bool ok;
    const char* host;
    int port;
  };
  const std::vector<Case> cases = {
      {"redis:6379", true, "redis", 6379},
      {"127.0.0.1:1", true, "127.0.0.1", 1},
      {"[::1]:6379", true, "::1", 6379},
      {"[fe80::1]:65535", true, "fe80::1", 65535},
      {"redis", false, "", 0},
      {":6379", false, "", 0},
      {"redis:", false, "", 0},
      {"redis:0", false, "", 0},
      {"redis:+1", false, "", 0},
      {"redis:x", false, "", 0},
      {"[::1]6379", false, "", 0},
      {"[::1", false, "", 0},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.in);
    StatusOr<HostPort> hp = parseHostPort(c.in);
    ASSERT_EQ(hp.isOk(), c.ok) << (hp.isOk() ? "" : hp.status().message());
    if (!c.ok) continue;
    EXPECT_EQ(hp->host, c.host);
    EXPECT_EQ(hp->port, c.port);
    EXPECT_EQ(hp->toString(), c.in);
  }
}

// ---- streams triggers --------------------------------------------------------------------------

struct StreamsCase {
  const char* name;
  StringMap metadata;
  StreamsMode mode;
  int64_t target;
  int64_t pending;
  int64_t length;
  int64_t lag;
  int64_t activation = 0;
};

TEST(RedisStreamsConfig, ModeAndTargetsFollowKedaRules) {
  const std::vector<StreamsCase> cases = {
      {"no_group_is_stream_length", {{"stream", "orders"}}, StreamsMode::kStreamLength, 5, 0, 5, 0},
      {"no_group_custom_length",
       {{"stream", "orders"}, {"streamLength", "20"}, {"pendingEntriesCount", "9"}},
       StreamsMode::kStreamLength,
       20,
       0,
       20,
       0},
      {"no_group_ignores_lag_count",
       {{"stream", "orders"}, {"lagCount", "7"}},
       StreamsMode::kStreamLength,
       5,
       0,
       5,
       7},
      {"group_is_pending_entries",
       {{"stream", "orders"}, {"consumerGroup", "workers"}},
       StreamsMode::kPendingEntries,
       5,
       5,
       0,
       0},
      {"group_custom_pending",
       {{"stream", "orders"},
        {"consumerGroup", "workers"},
        {"pendingEntriesCount", "3"},
        {"streamLength", "50"}},
       StreamsMode::kPendingEntries,
       3,
       3,
       0,
       0},
      {"group_and_lag_is_lag",
       {{"stream", "orders"},
        {"consumerGroup", "workers"},
        {"lagCount", "10"},
        {"pendingEntriesCount", "3"}},
       StreamsMode::kLag,
       10,
       0,
       0,
       10},
      {"group_and_zero_lag_is_pending",
       {{"stream", "orders"}, {"consumerGroup", "workers"}, {"lagCount", "0"}},
       StreamsMode::kPendingEntries,
       5,
       5,
       0,
       0},
      {"activation_applies_to_every_mode",
       {{"stream", "orders"}, {"activationLagCount", "4"}},
       StreamsMode::kStreamLength,
       5,
       0,
       5,
       0,
       4},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    StringMap md = c.metadata;
    md["address"] = "redis:6379";
    StatusOr<RedisStreamsConfig> cfg =
        parseRedisStreamsConfig(configOf({.type = "redis-streams", .metadata = md}));
    ASSERT_TRUE(cfg.isOk()) << cfg.status().toString();
    EXPECT_EQ(cfg->mode, c.mode);
    EXPECT_EQ(cfg->target, c.target);
    EXPECT_EQ(cfg->pendingEntriesCount, c.pending);
    EXPECT_EQ(cfg->streamLength, c.length);
    EXPECT_EQ(cfg->lagCount, c.lag);
    EXPECT_EQ(cfg->activationTarget, c.activation);
    EXPECT_EQ(cfg->metricName, "s0-redis-streams-orders");
  }
}

TEST(RedisStreamsConfig, SharesTheConnectionParameters) {
  Trigger t{.type = "redis-sentinel-streams",
            .metadata = {{"stream", "my.stream"},
                         {"consumerGroup", "g"},
                         {"hosts", "s1,s2"},
                         {"ports", "26379,26380"},
                         {"sentinelMaster", "m"},
                         {"databaseIndex", "1"},
                         {"usernameFromEnv", "U"}},
            .auth = {{"password", "pw"}, {"tls", "disable"}},
            .env = {{"U", "env-user"}},
            .index = 2,
            .metricType = "Value"};
  StatusOr<RedisStreamsConfig> cfg = parseRedisStreamsConfig(configOf(t));
  ASSERT_TRUE(cfg.isOk()) << cfg.status().toString();
  EXPECT_EQ(cfg->connection.mode, RedisMode::kSentinel);
  EXPECT_EQ(cfg->connection.addressList(), "s1:26379,s2:26380");
  EXPECT_EQ(cfg->connection.username, "env-user");
  EXPECT_EQ(cfg->connection.password, "pw");
  EXPECT_EQ(cfg->connection.databaseIndex, 1);
  EXPECT_FALSE(cfg->connection.tls.enabled);
  EXPECT_EQ(cfg->metricName, "s2-redis-streams-my-stream");
  EXPECT_EQ(cfg->targetType, "Value");
}

TEST(RedisStreamsConfig, RejectsWithKedaMessages) {
  const std::vector<ErrorCase> cases = {
      {"missing_stream",
       {.type = "redis-streams", .metadata = {{"address", "a:1"}}},
       std::string(kStreamsPrefix) + "missing required parameter \"stream\" in [triggerMetadata]"},
      {"no_address",
       {.type = "redis-streams", .metadata = {{"stream", "s"}}},
       std::string(kStreamsPrefix) +
           "no addresses or hosts given. address should be a comma separated list of host:port "
           "or set the host/port values"},
      {"lag_count_not_a_number",
       {.type = "redis-streams",
        .metadata = {{"stream", "s"}, {"address", "a:1"}, {"lagCount", "many"}}},
       std::string(kStreamsPrefix) +
           "unable to set param \"lagCount\" value \"many\": expected an integer"},
      {"pending_not_a_number",
       {.type = "redis-streams",
        .metadata = {{"stream", "s"}, {"address", "a:1"}, {"pendingEntriesCount", "1.5"}}},
       std::string(kStreamsPrefix) + "unable to set param \"pendingEntriesCount\" value \"1.5\": "
                                     "expected an integer, got a number with a fraction"},
      {"stream_length_not_a_number",
       {.type = "redis-streams",
        .metadata = {{"stream", "s"}, {"address", "a:1"}, {"streamLength", "x"}}},
       std::string(kStreamsPrefix) +
           "unable to set param \"streamLength\" value \"x\": expected an integer"},
      {"activation_not_a_number",
       {.type = "redis-streams",
        .metadata = {{"stream", "s"}, {"address", "a:1"}, {"activationLagCount", "x"}}},
       std::string(kStreamsPrefix) +
           "unable to set param \"activationLagCount\" value \"x\": expected an integer"},
      {"tls_in_both_places",
       {.type = "redis-cluster-streams",
        .metadata = {{"stream", "s"}, {"address", "a:1"}, {"enableTLS", "false"}},
        .auth = {{"tls", "disable"}}},
       std::string(kStreamsPrefix) +
           "unable to set `tls` in both ScaledObject and TriggerAuthentication together"},
      {"sentinel_without_master",
       {.type = "redis-sentinel-streams", .metadata = {{"stream", "s"}, {"address", "a:1"}}},
       std::string(kStreamsPrefix) +
           "sentinelMaster is required for redis-sentinel triggers: the name of the master the "
           "sentinels monitor"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    StatusOr<RedisStreamsConfig> cfg = parseRedisStreamsConfig(configOf(c.trigger));
    ASSERT_FALSE(cfg.isOk());
    EXPECT_EQ(cfg.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(cfg.status().message(), c.message);
  }
}

TEST(RedisParams, DeclareKedaNamesSourcesAndDefaults) {
  struct Expect {
    const char* name;
    std::vector<std::string> names;
    std::vector<ParamSource> order;
    bool optional;
    std::optional<std::string> defaultValue;
    bool secret;
  };
  const ParamSource m = ParamSource::kTriggerMetadata;
  const ParamSource a = ParamSource::kAuthParams;
  const ParamSource e = ParamSource::kResolvedEnv;
  const std::vector<Expect> expected = {
      {"listLength", {"listLength"}, {m}, false, "5", false},
      {"activationListLength", {"activationListLength"}, {m}, true, std::nullopt, false},
      {"listName", {"listName"}, {m}, false, std::nullopt, false},
      {"databaseIndex", {"databaseIndex"}, {m}, true, std::nullopt, false},
      {"enableTLS", {"enableTLS"}, {m}, true, std::nullopt, false},
      {"tls", {"tls"}, {a}, true, std::nullopt, false},
      {"address", {"address", "addresses"}, {m, a, e}, true, std::nullopt, false},
      {"username", {"username"}, {m, e, a}, true, std::nullopt, false},
      {"password", {"password"}, {m, e, a}, true, std::nullopt, true},
      {"sentinelUsername", {"sentinelUsername"}, {m, a, e}, true, std::nullopt, false},
      {"sentinelPassword", {"sentinelPassword"}, {m, a, e}, true, std::nullopt, true},
      {"sentinelMaster", {"sentinelMaster"}, {m, a, e}, true, std::nullopt, false},
      {"host", {"host", "hosts"}, {m, e, a}, true, std::nullopt, false},
      {"port", {"port", "ports"}, {m, e, a}, true, std::nullopt, false},
      {"unsafeSsl", {"unsafeSsl"}, {m}, false, "false", false},
      {"Cert", {"Cert", "cert"}, {a}, true, std::nullopt, true},
      {"key", {"key"}, {a}, true, std::nullopt, true},
      {"keyPassword", {"keyPassword"}, {a}, true, std::nullopt, true},
      {"ca", {"ca"}, {a}, true, std::nullopt, true},
  };
  const std::vector<ParamInfo> infos = redisListParams().infos();
  ASSERT_EQ(infos.size(), expected.size());
  for (size_t i = 0; i < infos.size(); ++i) {
    SCOPED_TRACE(expected[i].name);
    EXPECT_EQ(infos[i].names, expected[i].names);
    EXPECT_EQ(infos[i].order, expected[i].order);
    EXPECT_EQ(infos[i].optional, expected[i].optional);
    EXPECT_EQ(infos[i].defaultValue, expected[i].defaultValue);
    EXPECT_EQ(infos[i].secret, expected[i].secret);
  }

  std::vector<std::string> streamsNames;
  for (const ParamInfo& info : redisStreamsParams().infos()) streamsNames.push_back(info.names[0]);
  const std::vector<std::string> expectedStreams = {"pendingEntriesCount",
                                                    "streamLength",
                                                    "lagCount",
                                                    "stream",
                                                    "consumerGroup",
                                                    "databaseIndex",
                                                    "address",
                                                    "username",
                                                    "password",
                                                    "sentinelUsername",
                                                    "sentinelPassword",
                                                    "sentinelMaster",
                                                    "host",
                                                    "port",
                                                    "unsafeSsl",
                                                    "Cert",
                                                    "key",
                                                    "keyPassword",
                                                    "ca",
                                                    "activationLagCount",
                                                    "enableTLS",
                                                    "tls"};
  EXPECT_EQ(streamsNames, expectedStreams);
}

}  // namespace
}  // namespace tidal::scalers::redis
