// The kafka trigger: parameters and their rules, the librdkafka properties they become, the lag
// arithmetic (invalid offsets, persistent lag, the partition caps), and the scaler's value,
// activity and errors through a fake reader. The real broker is in tests/integration/kafka.
#include "scalers/kafka/kafka_scaler.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "scalers/kafka/kafka_client.h"
#include "scalers/kafka/kafka_lag.h"
#include "scalers/kafka/kafka_metadata.h"
#include "scalers/registry.h"

namespace tidal::scalers {
namespace {

using kafka::KafkaConfig;
using kafka::kNoOffset;
using kafka::LagRules;
using kafka::LagTotals;
using kafka::parseKafkaConfig;
using kafka::PartitionOffsets;
using kafka::PersistentLagMemory;

ScalerConfig trigger(StringMap metadata, StringMap auth = {}) {
  ScalerConfig c;
  c.triggerType = "kafka";
  c.triggerIndex = 0;
  c.triggerMetadata = std::move(metadata);
  c.authParams = std::move(auth);
  return c;
}

StringMap basic() {
  return {{"bootstrapServers", "kafka-0.kafka.svc:9092,kafka-1.kafka.svc:9092"},
          {"consumerGroup", "workers"},
          {"topic", "orders"}};
}

StringMap with(StringMap base, const StringMap& extra) {
  for (const auto& [k, v] : extra) base[k] = v;
  return base;
}

std::string parseError(const StringMap& metadata, const StringMap& auth = {}) {
  StatusOr<KafkaConfig> cfg = parseKafkaConfig(trigger(metadata, auth));
  EXPECT_FALSE(cfg.isOk());
  EXPECT_EQ(cfg.status().code(), StatusCode::kInvalidArgument);
  return cfg.status().message();
}

// ---- parameters -----------------------------------------------------------------------------

TEST(KafkaParams, DefaultsAndMetricName) {
  StatusOr<KafkaConfig> cfg = parseKafkaConfig(trigger(basic()));
  ASSERT_TRUE(cfg.isOk()) << cfg.status().toString();
  const auto& md = cfg->metadata;
  EXPECT_EQ(cfg->metricName, "s0-kafka-orders");
  EXPECT_EQ(md.bootstrapServers,
            (std::vector<std::string>{"kafka-0.kafka.svc:9092", "kafka-1.kafka.svc:9092"}));
  EXPECT_EQ(md.lagThreshold, 10);
  EXPECT_EQ(md.activationLagThreshold, 0);
  EXPECT_EQ(md.offsetResetPolicy, "latest");
  EXPECT_FALSE(md.allowIdleConsumers);
  EXPECT_EQ(md.version, "1.0.0");
  EXPECT_EQ(md.tls, "disable");
  EXPECT_EQ(md.sasl, "none");
  EXPECT_EQ(cfg->targetType, "AverageValue");
}

TEST(KafkaParams, WithoutTopicTheMetricNamesTheGroup) {
  StringMap md = basic();
  md.erase("topic");
  md["consumerGroup"] = "billing.v2";
  StatusOr<KafkaConfig> cfg = parseKafkaConfig(trigger(md));
  ASSERT_TRUE(cfg.isOk()) << cfg.status().toString();
  EXPECT_EQ(cfg->metricName, "s0-kafka-billing-v2-topics");
}

TEST(KafkaParams, ServersGroupAndTopicFromTheEnvironment) {
  ScalerConfig c = trigger({{"bootstrapServersFromEnv", "BROKERS"},
                            {"consumerGroupFromEnv", "GROUP"},
                            {"topicFromEnv", "TOPIC"}});
  c.resolvedEnv = {{"BROKERS", "b1:9092,b2:9093"}, {"GROUP", "g"}, {"TOPIC", "t"}};
  StatusOr<KafkaConfig> cfg = parseKafkaConfig(c);
  ASSERT_TRUE(cfg.isOk()) << cfg.status().toString();
  EXPECT_EQ(cfg->metadata.bootstrapServers, (std::vector<std::string>{"b1:9092", "b2:9093"}));
  EXPECT_EQ(cfg->metadata.consumerGroup, "g");
  EXPECT_EQ(cfg->metricName, "s0-kafka-t");
}

TEST(KafkaParams, PartitionLimitationTakesListsAndRanges) {
  StatusOr<KafkaConfig> cfg =
      parseKafkaConfig(trigger(with(basic(), {{"partitionLimitation", "1, 3-5,9"}})));
  ASSERT_TRUE(cfg.isOk()) << cfg.status().toString();
  EXPECT_EQ(cfg->metadata.partitionLimitation, (std::vector<int64_t>{1, 3, 4, 5, 9}));
}

TEST(KafkaParams, RequiredParameters) {
  EXPECT_NE(parseError({{"consumerGroup", "g"}}).find("bootstrapServers"), std::string::npos);
  EXPECT_NE(parseError({{"bootstrapServers", "b:9092"}}).find("consumerGroup"), std::string::npos);
}

TEST(KafkaParams, RefusesBadValuesWithClearMessages) {
  struct Case {
    StringMap extra;
    std::string expected;
  } cases[] = {
      {{{"lagThreshold", "0"}}, "lagThreshold must be a positive number, got 0"},
      {{{"lagThreshold", "ten"}}, "lagThreshold"},
      {{{"activationLagThreshold", "-1"}}, "activationLagThreshold must be a positive number"},
      {{{"offsetResetPolicy", "newest"}}, "offsetResetPolicy"},
      {{{"allowIdleConsumers", "true"}, {"limitToPartitionsWithLag", "true"}},
       "allowIdleConsumers and limitToPartitionsWithLag cannot be set simultaneously"},
      {{{"ensureEvenDistributionOfPartitions", "true"}, {"limitToPartitionsWithLag", "true"}},
       "cannot be set simultaneously"},
      {{{"version", "one"}}, "error parsing kafka version: invalid version `one`"},
      {{{"bootstrapServers", "kafka.svc"}}, "host:port, got \"kafka.svc\""},
      {{{"bootstrapServers", "b:9092\nsasl.mechanism=PLAIN:1"}}, "host:port"},
      {{{"tls", "on"}}, "err incorrect value for TLS given: on"},
      {{{"sasl", "kerberos"}}, "err SASL mode kerberos given"},
      {{{"partitionLimitation", "a-b"}}, "partitionLimitation"},
  };
  for (const Case& c : cases) {
    const std::string message = parseError(with(basic(), c.extra));
    EXPECT_NE(message.find(c.expected), std::string::npos) << message;
    EXPECT_EQ(message.rfind("error parsing kafka metadata: ", 0), 0u) << message;
  }
}

TEST(KafkaParams, OptionsThatNeedATopic) {
  StringMap md = basic();
  md.erase("topic");
  EXPECT_NE(parseError(with(md, {{"limitToPartitionsWithLag", "true"}}))
                .find("topic must be specified when using limitToPartitionsWithLag"),
            std::string::npos);
  EXPECT_NE(parseError(with(md, {{"ensureEvenDistributionOfPartitions", "true"}}))
                .find("topic must be specified"),
            std::string::npos);
  EXPECT_NE(parseError(with(md, {{"fullMetadata", "false"}})).find("topic must be specified"),
            std::string::npos);
}

TEST(KafkaParams, SaslNeedsItsCredentials) {
  EXPECT_NE(parseError(basic(), {{"sasl", "plaintext"}}).find("no username given"),
            std::string::npos);
  EXPECT_NE(
      parseError(basic(), {{"sasl", "scram_sha512"}, {"username", "u"}}).find("no password given"),
      std::string::npos);
  EXPECT_NE(parseError(basic(), {{"sasl", "oauthbearer"}, {"username", "id"}, {"password", "s"}})
                .find("no oauth token endpoint uri given"),
            std::string::npos);
  EXPECT_NE(parseError(basic(), {{"sasl", "gssapi"}, {"username", "u"}})
                .find("exactly one of password or keytab"),
            std::string::npos);
  EXPECT_NE(
      parseError(with(basic(), {{"sasl", "oauthbearer"}, {"saslTokenProvider", "aws_msk_iam"}}))
          .find("TLS is required for MSK"),
      std::string::npos);
}

TEST(KafkaParams, TlsCertAndKeyGoTogether) {
  EXPECT_NE(parseError(basic(), {{"tls", "enable"}, {"cert", "PEM"}})
                .find("key must be provided with cert"),
            std::string::npos);
  EXPECT_NE(parseError(basic(), {{"tls", "enable"}, {"key", "PEM"}})
                .find("cert must be provided with key"),
            std::string::npos);
}

TEST(KafkaParams, ErrorsNeverShowTheSecrets) {
  const std::string message =
      parseError(with(basic(), {{"lagThreshold", "0"}}),
                 {{"sasl", "plaintext"}, {"username", "u"}, {"password", "hunter2-secret"}});
  EXPECT_EQ(message.find("hunter2-secret"), std::string::npos) << message;
}

TEST(ApacheKafkaParams, TopicListMetricNameAndSaslModes) {
  ScalerConfig c = trigger(
      {{"bootstrapServers", "b:9092"}, {"consumerGroup", "g"}, {"topic", "orders, payments"}});
  c.triggerType = "apache-kafka";
  c.triggerIndex = 2;
  StatusOr<KafkaConfig> cfg = parseKafkaConfig(c);
  ASSERT_TRUE(cfg.isOk()) << cfg.status().toString();
  EXPECT_EQ(cfg->metadata.topics, (std::vector<std::string>{"orders", "payments"}));
  EXPECT_EQ(cfg->metricName, "s2-kafka-orders,payments");

  c.authParams = {{"sasl", "oauthbearer"}, {"username", "u"}, {"password", "p"}};
  StatusOr<KafkaConfig> oauth = parseKafkaConfig(c);
  ASSERT_FALSE(oauth.isOk());
  EXPECT_NE(oauth.status().message().find("err SASL mode oauthbearer given"), std::string::npos)
      << oauth.status().message();

  c.authParams = {{"sasl", "aws_msk_iam"}};
  StatusOr<KafkaConfig> msk = parseKafkaConfig(c);
  ASSERT_FALSE(msk.isOk());
  EXPECT_NE(msk.status().message().find("TLS is required for MSK"), std::string::npos);
  c.authParams = {{"sasl", "aws_msk_iam"}, {"tls", "enable"}};
  c.triggerMetadata["awsRegion"] = "eu-west-1";
  StatusOr<KafkaConfig> mskOk = parseKafkaConfig(c);
  ASSERT_TRUE(mskOk.isOk()) << mskOk.status().toString();
  auto props = kafka::clientProperties(mskOk->metadata);
  ASSERT_FALSE(props.isOk());
  EXPECT_EQ(props.status().code(), StatusCode::kUnimplemented);

  // ensureEvenDistributionOfPartitions is kafka's only: unknown to apache-kafka's declarations.
  bool declared = false;
  for (const ParamInfo& info : kafka::apacheKafkaParams().infos()) {
    declared = declared || info.names.front() == "ensureEvenDistributionOfPartitions";
  }
  EXPECT_FALSE(declared);
}

// ---- librdkafka properties ------------------------------------------------------------------

std::map<std::string, std::string> properties(const StringMap& metadata, const StringMap& auth) {
  StatusOr<KafkaConfig> cfg = parseKafkaConfig(trigger(metadata, auth));
  EXPECT_TRUE(cfg.isOk()) << cfg.status().toString();
  auto props = kafka::clientProperties(cfg->metadata);
  EXPECT_TRUE(props.isOk()) << props.status().toString();
  return {props->begin(), props->end()};
}

TEST(KafkaClientProperties, PlaintextByDefault) {
  auto p = properties(basic(), {});
  EXPECT_EQ(p["bootstrap.servers"], "kafka-0.kafka.svc:9092,kafka-1.kafka.svc:9092");
  EXPECT_EQ(p["security.protocol"], "plaintext");
  EXPECT_EQ(p.count("sasl.mechanisms"), 0u);
}

TEST(KafkaClientProperties, SaslAndTlsModes) {
  auto scram = properties(basic(), {{"sasl", "scram_sha256"},
                                    {"username", "u"},
                                    {"password", "p"},
                                    {"tls", "enable"},
                                    {"ca", "CA-PEM"}});
  EXPECT_EQ(scram["security.protocol"], "sasl_ssl");
  EXPECT_EQ(scram["sasl.mechanisms"], "SCRAM-SHA-256");
  EXPECT_EQ(scram["sasl.username"], "u");
  EXPECT_EQ(scram["ssl.ca.pem"], "CA-PEM");

  auto plain =
      properties(with(basic(), {{"sasl", "plaintext"}}), {{"username", "u"}, {"password", "p"}});
  EXPECT_EQ(plain["security.protocol"], "sasl_plaintext");
  EXPECT_EQ(plain["sasl.mechanisms"], "PLAIN");

  auto unsafe = properties(with(basic(), {{"unsafeSsl", "true"}, {"tls", "enable"}}), {});
  EXPECT_EQ(unsafe["security.protocol"], "ssl");
  EXPECT_EQ(unsafe["enable.ssl.certificate.verification"], "false");

  auto oauth = properties(basic(), {{"sasl", "oauthbearer"},
                                    {"username", "client"},
                                    {"password", "secret"},
                                    {"oauthTokenEndpointUri", "https://idp/token"},
                                    {"scopes", "a,b"},
                                    {"oauthExtensions", "x=1,y=2"}});
  EXPECT_EQ(oauth["sasl.mechanisms"], "OAUTHBEARER");
  EXPECT_EQ(oauth["sasl.oauthbearer.method"], "oidc");
  EXPECT_EQ(oauth["sasl.oauthbearer.scope"], "a b");
  EXPECT_EQ(oauth["sasl.oauthbearer.extensions"], "x=1,y=2");
}

TEST(KafkaClientProperties, UnsupportedModesSaySo) {
  StatusOr<KafkaConfig> cfg = parseKafkaConfig(
      trigger(basic(), {{"sasl", "gssapi"}, {"username", "u"}, {"keytab", "KEYTAB"}}));
  ASSERT_TRUE(cfg.isOk()) << cfg.status().toString();
  auto props = kafka::clientProperties(cfg->metadata);
  ASSERT_FALSE(props.isOk());
  EXPECT_EQ(props.status().code(), StatusCode::kUnimplemented);
  EXPECT_NE(props.status().message().find("gssapi"), std::string::npos);
  EXPECT_EQ(props.status().message().find("KEYTAB"), std::string::npos);
}

TEST(KafkaClientProperties, TriggersOnOneClusterShareAKeyAndCredentialsSplitIt) {
  auto key = [](const StringMap& md, const StringMap& auth) {
    return kafka::connectionKey(parseKafkaConfig(trigger(md, auth))->metadata);
  };
  const StringMap auth = {{"sasl", "plaintext"}, {"username", "u"}, {"password", "p"}};
  EXPECT_EQ(key(basic(), auth),
            key(with(basic(), {{"topic", "other"}, {"consumerGroup", "x"}}), auth));
  EXPECT_NE(key(basic(), auth), key(basic(), with(auth, {{"password", "q"}})));
  EXPECT_NE(key(basic(), auth), key(with(basic(), {{"bootstrapServers", "k:9092"}}), auth));
}

// ---- lag arithmetic -------------------------------------------------------------------------

PartitionOffsets part(int32_t id, int64_t committed, std::optional<int64_t> latest,
                      std::string topic = "orders") {
  return {std::move(topic), id, committed, latest};
}

TEST(KafkaLag, CommittedBehindLatest) {
  PersistentLagMemory memory;
  const LagTotals t =
      kafka::sumLag({part(0, 40, 100), part(1, 100, 100), part(2, 0, 5)}, LagRules{}, memory);
  EXPECT_EQ(t.totalLag, 65);
  EXPECT_EQ(t.totalLagWithPersistent, 65);
  EXPECT_EQ(t.partitions, 3);
  EXPECT_EQ(t.partitionsWithLag, 2);
}

TEST(KafkaLag, NoCommittedOffsetFollowsTheResetPolicy) {
  PersistentLagMemory memory;
  LagRules latest;
  EXPECT_EQ(kafka::partitionLag(part(0, kNoOffset, 500), latest, memory).lag, 1);
  latest.scaleToZeroOnInvalidOffset = true;
  EXPECT_EQ(kafka::partitionLag(part(0, kNoOffset, 500), latest, memory).lag, 0);
  LagRules earliest;
  earliest.earliest = true;
  EXPECT_EQ(kafka::partitionLag(part(0, kNoOffset, 500), earliest, memory).lag, 500);
  earliest.scaleToZeroOnInvalidOffset = true;
  EXPECT_EQ(kafka::partitionLag(part(0, kNoOffset, 500), earliest, memory).lag, 0);
}

TEST(KafkaLag, PartitionWithoutLatestOffsetCountsZero) {
  PersistentLagMemory memory;
  EXPECT_EQ(kafka::partitionLag(part(0, 10, std::nullopt), LagRules{}, memory).lag, 0);
}

TEST(KafkaLag, PersistentLagIsLeftOutOfTheMetricButKeepsActivity) {
  LagRules rules;
  rules.excludePersistentLag = true;
  PersistentLagMemory memory;
  // First sighting counts normally.
  kafka::PartitionLag first = kafka::partitionLag(part(0, 10, 50), rules, memory);
  EXPECT_EQ(first.lag, 40);
  // The consumer is stuck at 10: the metric ignores it, activation still sees it.
  kafka::PartitionLag stuck = kafka::partitionLag(part(0, 10, 60), rules, memory);
  EXPECT_EQ(stuck.lag, 0);
  EXPECT_EQ(stuck.lagWithPersistent, 50);
  // It moved: counts again.
  kafka::PartitionLag moved = kafka::partitionLag(part(0, 20, 60), rules, memory);
  EXPECT_EQ(moved.lag, 40);
  // Without the option, nothing is remembered.
  PersistentLagMemory other;
  kafka::partitionLag(part(0, 10, 50), LagRules{}, other);
  EXPECT_TRUE(other.empty());
}

TEST(KafkaLag, CappedAtOneReplicaPerPartitionUnlessIdleConsumersAllowed) {
  LagRules rules;
  rules.lagThreshold = 10;
  LagTotals t{
      .totalLag = 1000, .totalLagWithPersistent = 1000, .partitions = 3, .partitionsWithLag = 1};
  EXPECT_EQ(kafka::metricLag(t, rules), 30);
  rules.allowIdleConsumers = true;
  EXPECT_EQ(kafka::metricLag(t, rules), 1000);
  rules.allowIdleConsumers = false;
  rules.limitToPartitionsWithLag = true;
  EXPECT_EQ(kafka::metricLag(t, rules), 10);
  // Below the cap, the lag is the lag (integer division: 35/10 = 3 is not above 3).
  LagRules plain;
  plain.lagThreshold = 10;
  t.totalLag = 35;
  EXPECT_EQ(kafka::metricLag(t, plain), 35);
}

TEST(KafkaLag, EvenDistributionRoundsUpToAFactorOfThePartitions) {
  LagRules rules;
  rules.lagThreshold = 10;
  rules.ensureEvenDistributionOfPartitions = true;
  LagTotals t{.totalLag = 35, .partitions = 12};  // factors 1 2 3 4 6 12
  EXPECT_EQ(kafka::metricLag(t, rules), 40);      // 4 replicas
  t.totalLag = 41;
  EXPECT_EQ(kafka::metricLag(t, rules), 60);  // 6 replicas
  t.totalLag = 5000;
  EXPECT_EQ(kafka::metricLag(t, rules), 120);  // all 12
  EXPECT_EQ(kafka::factorsOf(12), (std::vector<int64_t>{1, 2, 3, 4, 6, 12}));
  EXPECT_EQ(kafka::factorsOf(7), (std::vector<int64_t>{1, 7}));
  EXPECT_TRUE(kafka::factorsOf(0).empty());
}

// ---- the scaler -----------------------------------------------------------------------------

class FakeReader : public kafka::ConsumerGroupReader {
 public:
  StatusOr<std::vector<PartitionOffsets>> read(const kafka::GroupQuery& query,
                                               std::chrono::milliseconds timeout) override {
    queries.push_back(query);
    timeouts.push_back(timeout);
    return answer;
  }
  StatusOr<std::vector<PartitionOffsets>> answer = std::vector<PartitionOffsets>{};
  std::vector<kafka::GroupQuery> queries;
  std::vector<std::chrono::milliseconds> timeouts;
};

TEST(KafkaScaler, MetricSpecValueAndActivity) {
  auto reader = std::make_shared<FakeReader>();
  ScalerConfig c = trigger(with(
      basic(),
      {{"lagThreshold", "5"}, {"activationLagThreshold", "3"}, {"partitionLimitation", "0,1"}}));
  c.globalHttpTimeout = std::chrono::milliseconds(1500);
  auto scaler = newKafkaScalerWithReader(c, reader);
  ASSERT_TRUE(scaler.isOk()) << scaler.status().toString();
  const std::vector<MetricSpec> specs = (*scaler)->metricSpecs();
  ASSERT_EQ(specs.size(), 1u);
  EXPECT_EQ(specs[0].metricName, "s0-kafka-orders");
  EXPECT_EQ(specs[0].targetString(), "5");
  EXPECT_EQ((*scaler)->activationTarget(), 3.0);

  reader->answer = std::vector<PartitionOffsets>{part(0, 7, 9), part(1, 3, 4)};
  auto m = (*scaler)->metricsAndActivity("s0-kafka-orders");
  ASSERT_TRUE(m.isOk()) << m.status().toString();
  EXPECT_EQ(m->metrics[0].value.toString(), "3");
  EXPECT_FALSE(m->active);  // 3 is not above 3
  ASSERT_EQ(reader->queries.size(), 1u);
  EXPECT_EQ(reader->queries[0].group, "workers");
  EXPECT_EQ(reader->queries[0].topics, (std::vector<std::string>{"orders"}));
  EXPECT_EQ(reader->queries[0].partitionLimitation, (std::vector<int64_t>{0, 1}));
  EXPECT_EQ(reader->timeouts[0], std::chrono::milliseconds(1500));

  reader->answer = std::vector<PartitionOffsets>{part(0, 7, 100), part(1, 3, 4)};
  m = (*scaler)->metricsAndActivity("s0-kafka-orders");
  ASSERT_TRUE(m.isOk());
  EXPECT_EQ(m->metrics[0].value.toString(), "10");  // 94 capped at 2 partitions x 5
  EXPECT_TRUE(m->active);
}

TEST(KafkaScaler, PersistentLagAcrossPolls) {
  auto reader = std::make_shared<FakeReader>();
  auto scaler = newKafkaScalerWithReader(
      trigger(with(basic(), {{"excludePersistentLag", "true"}, {"allowIdleConsumers", "true"}})),
      reader);
  ASSERT_TRUE(scaler.isOk());
  reader->answer = std::vector<PartitionOffsets>{part(0, 10, 30)};
  EXPECT_EQ((*scaler)->metricsAndActivity("s0-kafka-orders")->metrics[0].value.toString(), "20");
  auto second = (*scaler)->metricsAndActivity("s0-kafka-orders");
  EXPECT_EQ(second->metrics[0].value.toString(), "0");
  EXPECT_TRUE(second->active);
}

TEST(KafkaScaler, ErrorsNameTheTriggerAndServersButNoPassword) {
  auto reader = std::make_shared<FakeReader>();
  reader->answer =
      Status(StatusCode::kDeadlineExceeded, "describing topic orders: Local: Timed out");
  auto scaler = newKafkaScalerWithReader(
      trigger(basic(), {{"sasl", "plaintext"}, {"username", "u"}, {"password", "pw-XYZ"}}), reader);
  ASSERT_TRUE(scaler.isOk());
  auto m = (*scaler)->metricsAndActivity("s0-kafka-orders");
  ASSERT_FALSE(m.isOk());
  EXPECT_EQ(m.status().code(), StatusCode::kDeadlineExceeded);
  EXPECT_EQ(m.status().message(),
            "error interacting with kafka: trigger s0-kafka-orders at "
            "kafka-0.kafka.svc:9092,kafka-1.kafka.svc:9092: describing topic orders: Local: "
            "Timed out");
  EXPECT_EQ((*scaler)->describe().dump().find("pw-XYZ"), std::string::npos);
}

TEST(KafkaScaler, RegisteredAndBuiltWithoutIo) {
  const ScalerType* type = builtinRegistry().find("kafka");
  ASSERT_NE(type, nullptr);
  // Nothing listens on port 1: building the scaler must not try.
  auto scaler = builtinRegistry().create(
      trigger({{"bootstrapServers", "127.0.0.1:1"}, {"consumerGroup", "g"}, {"topic", "t"}}),
      ScalerContext{});
  ASSERT_TRUE(scaler.isOk()) << scaler.status().toString();
  // Unsupported SASL fails at build time, with the reason.
  auto gssapi = builtinRegistry().create(
      trigger(basic(), {{"sasl", "gssapi"}, {"username", "u"}, {"password", "p"}}),
      ScalerContext{});
  ASSERT_FALSE(gssapi.isOk());
  EXPECT_EQ(gssapi.status().code(), StatusCode::kUnimplemented);
}

TEST(ApacheKafkaScaler, QueriesEveryTopicAndSumsTheirLag) {
  auto reader = std::make_shared<FakeReader>();
  ScalerConfig c = trigger({{"bootstrapServers", "b:9092"},
                            {"consumerGroup", "g"},
                            {"topic", "a,b"},
                            {"allowIdleConsumers", "true"}});
  c.triggerType = "apache-kafka";
  auto scaler = newKafkaScalerWithReader(c, reader);
  ASSERT_TRUE(scaler.isOk()) << scaler.status().toString();
  reader->answer = std::vector<PartitionOffsets>{part(0, 1, 5, "a"), part(0, 2, 9, "b")};
  auto m = (*scaler)->metricsAndActivity("s0-kafka-a,b");
  ASSERT_TRUE(m.isOk()) << m.status().toString();
  EXPECT_EQ(m->metrics[0].value.toString(), "11");
  EXPECT_EQ(reader->queries.at(0).topics, (std::vector<std::string>{"a", "b"}));
  EXPECT_NE(builtinRegistry().find("apache-kafka"), nullptr);
}

TEST(KafkaClient, MaskSecrets) {
  EXPECT_EQ(kafka::maskSecrets("login pw1234 failed for pw1234", {"pw1234"}),
            "login [redacted] failed for [redacted]");
  // A secret that the mask itself contains must not loop forever.
  EXPECT_EQ(kafka::maskSecrets("x redacted y", {"redacted", ""}), "x [redacted] y");
  EXPECT_EQ(kafka::maskSecrets("nothing here", {"secret"}), "nothing here");
}

TEST(KafkaClient, ABadKeyIsRefusedWithoutShowingIt) {
  kafka::KafkaClient client({{"bootstrap.servers", "127.0.0.1:1"},
                             {"security.protocol", "ssl"},
                             {"ssl.certificate.pem", "not a certificate"},
                             {"ssl.key.pem", "SECRET-KEY-MATERIAL"}});
  auto parts = client.read({.group = "g", .topics = {"t"}}, std::chrono::milliseconds(200));
  ASSERT_FALSE(parts.isOk());
  EXPECT_EQ(parts.status().message().find("SECRET-KEY-MATERIAL"), std::string::npos)
      << parts.status().message();
}

}  // namespace
}  // namespace tidal::scalers
