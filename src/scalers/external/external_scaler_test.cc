// The external / external-push triggers: parameters, the metadata sent to the server, the pool
// key, and the conversions of the server's answers into metric specs and values (KEDA's rules,
// spec/keda-spec.md §f). The calls against a real gRPC server are in tests/integration/external.
#include "scalers/external/external_scaler.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "common/process_maps.h"
#include "scalers/registry.h"

namespace tidal::scalers {
namespace {

using external::ExternalConfig;
using external::parseExternalConfig;

ScalerConfig trigger(StringMap metadata, StringMap auth = {}, std::string type = "external") {
  ScalerConfig c;
  c.triggerType = std::move(type);
  c.scalableObjectName = "worker";
  c.scalableObjectNamespace = "jobs";
  c.triggerMetadata = std::move(metadata);
  c.authParams = std::move(auth);
  return c;
}

bool grpcMapped() {
  return mappedInThisProcess("libgrpc");
}

// gRPC is the plugin's: this test binary, like tidal, does not link it, and maps it only once an
// external scaler is built. (ctest runs each test in its own process; this one is first in the
// file for a run of the whole binary.)
TEST(ExternalPluginTest, GrpcIsMappedOnlyOnceAnExternalScalerIsBuilt) {
  EXPECT_FALSE(grpcMapped()) << "libgrpc mapped before any external scaler was built";
  StatusOr<ExternalConfig> c = parseExternalConfig(trigger({{"scalerAddress", "127.0.0.1:1"}}));
  ASSERT_TRUE(c.isOk()) << c.status().message();
  StatusOr<std::unique_ptr<Scaler>> s =
      external::makeExternalScaler(*std::move(c), false, SystemClock::instance());
  ASSERT_TRUE(s.isOk()) << s.status().message();
  EXPECT_TRUE(grpcMapped());
  (*s)->close();
}

TEST(ExternalPluginTest, AMissingPluginIsNamedWithEveryPlaceTried) {
  external::GrpcPluginOpenFn open = nullptr;
  Status s =
      external::loadGrpcPlugin({"/nonexistent/tidal-external-grpc.so", "/etc/hostname"}, &open);
  ASSERT_FALSE(s.isOk());
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(open, nullptr);
  EXPECT_NE(s.message().find("tidal-external-grpc.so"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("/nonexistent/tidal-external-grpc.so: not found"), std::string::npos)
      << s.message();
  EXPECT_NE(s.message().find("/etc/hostname: "), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("TIDAL_EXTERNAL_GRPC_PLUGIN"), std::string::npos) << s.message();
}

TEST(ExternalPluginTest, TheBuiltPluginLoadsAndOpensATransport) {
  external::GrpcPluginOpenFn open = nullptr;
  Status s = external::loadGrpcPlugin(external::grpcPluginCandidates(), &open);
  ASSERT_TRUE(s.isOk()) << s.message();
  ASSERT_NE(open, nullptr);
  external::TransportOptions options{.address = "127.0.0.1:1"};
  Status error;
  std::unique_ptr<external::ExternalTransport> t(open(&options, &error));
  ASSERT_NE(t, nullptr) << error.message();
  // Nothing listens on port 1: the call fails with the address and the call named.
  StatusOr<bool> active = t->isActive({.name = "so", .namespace_ = "ns", .scalerMetadata = {}},
                                      std::chrono::milliseconds(500));
  ASSERT_FALSE(active.isOk());
  EXPECT_TRUE(active.status().retryable()) << active.status().toString();
  EXPECT_NE(active.status().message().find("external scaler 127.0.0.1:1: IsActive: "),
            std::string::npos)
      << active.status().message();
}

TEST(ExternalConfigTest, Defaults) {
  StatusOr<ExternalConfig> c = parseExternalConfig(trigger({{"scalerAddress", "scaler:6000"}}));
  ASSERT_TRUE(c.isOk()) << c.status().message();
  EXPECT_EQ(c->metadata.scalerAddress, "scaler:6000");
  EXPECT_FALSE(c->metadata.enableTLS);
  EXPECT_FALSE(c->metadata.unsafeSsl);
  EXPECT_FALSE(c->useTls());
  EXPECT_EQ(c->targetType, "AverageValue");
  EXPECT_EQ(c->timeout, std::chrono::milliseconds(3000));
  EXPECT_EQ(c->name, "worker");
  EXPECT_EQ(c->namespace_, "jobs");
}

TEST(ExternalConfigTest, Errors) {
  struct Case {
    const char* name;
    StringMap metadata;
    StringMap auth;
    std::string metricType;
    const char* want;
  };
  const Case cases[] = {
      {"no address", {{"queue", "q"}}, {}, "", "missing required parameter \"scalerAddress\""},
      {"empty address", {{"scalerAddress", "  "}}, {}, "", "\"scalerAddress\""},
      {"bad enableTLS", {{"scalerAddress", "a:1"}, {"enableTLS", "yes"}}, {}, "", "enableTLS"},
      {"bad unsafeSsl", {{"scalerAddress", "a:1"}, {"unsafeSsl", "maybe"}}, {}, "", "unsafeSsl"},
      {"cert without key",
       {{"scalerAddress", "a:1"}},
       {{"tlsClientCert", "x"}},
       "",
       "tlsClientKey must be provided with tlsClientCert"},
      {"key without cert",
       {{"scalerAddress", "a:1"}},
       {{"tlsClientKey", "x"}},
       "",
       "tlsClientCert must be provided with tlsClientKey"},
      {"ca not PEM", {{"scalerAddress", "a:1"}}, {{"caCert", "junk"}}, "", "caCert:"},
      {"utilization", {{"scalerAddress", "a:1"}}, {}, "Utilization", "'Utilization' metric type"},
  };
  for (const Case& tc : cases) {
    ScalerConfig config = trigger(tc.metadata, tc.auth);
    config.metricType = tc.metricType;
    StatusOr<ExternalConfig> c = parseExternalConfig(config);
    ASSERT_FALSE(c.isOk()) << tc.name;
    EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument) << tc.name;
    EXPECT_NE(c.status().message().find(tc.want), std::string::npos)
        << tc.name << ": " << c.status().message();
    if (tc.metricType.empty()) {
      EXPECT_EQ(c.status().message().rfind("error parsing external scaler metadata", 0), 0u)
          << tc.name << ": " << c.status().message();
    }
  }
}

TEST(ExternalConfigTest, TlsWhenEnabledOrMaterialGiven) {
  StatusOr<ExternalConfig> c =
      parseExternalConfig(trigger({{"scalerAddress", "a:1"}, {"enableTLS", "true"}}));
  ASSERT_TRUE(c.isOk()) << c.status().message();
  EXPECT_TRUE(c->useTls());
  c = parseExternalConfig(trigger({{"scalerAddress", "a:1"}, {"unsafeSsl", "true"}}));
  ASSERT_TRUE(c.isOk()) << c.status().message();
  EXPECT_FALSE(c->useTls()) << "unsafeSsl alone does not turn TLS on";
  EXPECT_TRUE(c->metadata.unsafeSsl);
}

TEST(ExternalConfigTest, TlsMaterialOnlyFromAuthParams) {
  // caCert in the trigger metadata is not TLS material (KEDA reads it from authParams only), but
  // it is passed through to the server as any other metadata entry.
  StatusOr<ExternalConfig> c =
      parseExternalConfig(trigger({{"scalerAddress", "a:1"}, {"caCert", "junk"}}));
  ASSERT_TRUE(c.isOk()) << c.status().message();
  EXPECT_FALSE(c->useTls());
  EXPECT_EQ(c->scalerMetadata.at("caCert"), "junk");
}

TEST(ExternalConfigTest, ScalerMetadataPassesEverythingAndResolvesFromEnv) {
  ScalerConfig config = trigger({{"scalerAddress", "a:1"},
                                 {"queue", "jobs"},
                                 {"enableTLS", "false"},
                                 {"hostFromEnv", "HOST"},
                                 {"portFromEnv", "MISSING"},
                                 {"userFromEnv", "EMPTY"}});
  config.resolvedEnv = {{"HOST", "db.local"}, {"EMPTY", ""}};
  StatusOr<ExternalConfig> c = parseExternalConfig(config);
  ASSERT_TRUE(c.isOk()) << c.status().message();
  const StringMap want = {{"scalerAddress", "a:1"},
                          {"queue", "jobs"},
                          {"enableTLS", "false"},
                          {"hostFromEnv", "db.local"}};
  EXPECT_EQ(c->scalerMetadata, want);

  external::ExternalRef ref = external::scaledObjectRefOf(*c);
  EXPECT_EQ(ref.name, "worker");
  EXPECT_EQ(ref.namespace_, "jobs");
  ASSERT_EQ(ref.scalerMetadata.size(), 4u);
  EXPECT_EQ(ref.scalerMetadata.at("hostFromEnv"), "db.local");
  EXPECT_EQ(ref.scalerMetadata.at("queue"), "jobs");
}

TEST(ExternalConfigTest, PoolKeyCoversAddressAndTlsSettings) {
  auto key = [](StringMap metadata) {
    StatusOr<ExternalConfig> c = parseExternalConfig(trigger(std::move(metadata)));
    EXPECT_TRUE(c.isOk()) << c.status().message();
    return c.isOk() ? c->poolKey() : std::string();
  };
  const std::string base = key({{"scalerAddress", "a:1"}});
  EXPECT_EQ(base, key({{"scalerAddress", "a:1"}, {"queue", "other"}}))
      << "other metadata shares the channel";
  EXPECT_NE(base, key({{"scalerAddress", "a:2"}}));
  EXPECT_NE(base, key({{"scalerAddress", "a:1"}, {"enableTLS", "true"}}));
  EXPECT_NE(base, key({{"scalerAddress", "a:1"}, {"unsafeSsl", "true"}}));
}

TEST(ExternalSpecsTest, NamesAndTargets) {
  const std::vector<external::ExternalMetricSpec> response = {
      {.metricName = "queueLength", .targetSize = 10},
      // targetSizeFloat wins over targetSize when above 0
      {.metricName = "lag", .targetSize = 7, .targetSizeFloat = 2.5},
      // not above 0: the integer target (0) is used
      {.metricName = "zero", .targetSizeFloat = -1},
  };

  std::vector<MetricSpec> specs = external::metricSpecsOf(response, 3, "Value");
  ASSERT_EQ(specs.size(), 3u);
  EXPECT_EQ(specs[0].metricName, "s3-queueLength");
  EXPECT_EQ(specs[0].targetType, "Value");
  EXPECT_EQ(specs[0].targetString(), "10");
  EXPECT_EQ(specs[1].metricName, "s3-lag");
  EXPECT_EQ(specs[1].targetString(), "2500m");
  EXPECT_EQ(specs[2].metricName, "s3-zero");
  EXPECT_EQ(specs[2].targetString(), "0");
}

TEST(ExternalSpecsTest, MetricNameIsNotNormalised) {
  std::vector<MetricSpec> specs =
      external::metricSpecsOf({{.metricName = "a.b/c"}}, 0, "AverageValue");
  ASSERT_EQ(specs.size(), 1u);
  EXPECT_EQ(specs[0].metricName, "s0-a.b/c");
  EXPECT_EQ(specs[0].targetType, "AverageValue");
}

TEST(ExternalValuesTest, FloatWinsWhenAboveZero) {
  const std::vector<external::ExternalMetricValue> response = {
      {.metricName = "queueLength", .metricValue = 4},
      {.metricName = "queueLength", .metricValue = 4, .metricValueFloat = 1.25},
      {.metricValue = -3},  // negative values count 0
  };

  std::vector<MetricValue> values = external::metricValuesOf(response, "s1-queueLength");
  ASSERT_EQ(values.size(), 3u);
  EXPECT_EQ(values[0].metricName, "s1-queueLength");
  EXPECT_EQ(values[0].value.toString(), "4");
  EXPECT_EQ(values[1].value.toString(), "1250m");
  EXPECT_EQ(values[2].value.toString(), "0");
}

TEST(ExternalValuesTest, MetricNameWithoutIndex) {
  StatusOr<std::string> bare = external::metricNameWithoutIndex(2, "s2-queueLength");
  ASSERT_TRUE(bare.isOk());
  EXPECT_EQ(*bare, "queueLength");
  EXPECT_EQ(*external::metricNameWithoutIndex(12, "s12-s1-x"), "s1-x");
  StatusOr<std::string> wrong = external::metricNameWithoutIndex(1, "s2-queueLength");
  ASSERT_FALSE(wrong.isOk());
  EXPECT_NE(wrong.status().message().find("s1-"), std::string::npos);
}

// Builds without calling the server (the registry's factory also asks GetMetricSpec; that path
// is in the integration test).
std::unique_ptr<Scaler> make(StringMap metadata, bool push) {
  StatusOr<ExternalConfig> c = parseExternalConfig(trigger(std::move(metadata)));
  EXPECT_TRUE(c.isOk()) << c.status().message();
  if (!c.isOk()) return nullptr;
  auto s = external::makeExternalScaler(*std::move(c), push, SystemClock::instance());
  EXPECT_TRUE(s.isOk()) << s.status().message();
  return s.isOk() ? std::move(s).value() : nullptr;
}

TEST(ExternalRegistryTest, BothTypesRegisteredAndOnlyPushPushes) {
  const ScalerRegistry& registry = builtinRegistry();
  ASSERT_NE(registry.find("external"), nullptr);
  ASSERT_NE(registry.find("external-push"), nullptr);
  EXPECT_EQ(registry.find("external")->metricsLabel, "externalScaler");
  EXPECT_EQ(registry.find("external-push")->metricsLabel, "externalPushScaler");

  std::unique_ptr<Scaler> pull = make({{"scalerAddress", "127.0.0.1:1"}}, false);
  ASSERT_NE(pull, nullptr);
  EXPECT_EQ(dynamic_cast<PushScaler*>(pull.get()), nullptr);
  EXPECT_FALSE(pull->activationTarget().has_value());
  std::unique_ptr<Scaler> push = make({{"scalerAddress", "127.0.0.1:1"}}, true);
  ASSERT_NE(push, nullptr);
  EXPECT_NE(dynamic_cast<PushScaler*>(push.get()), nullptr);

  nlohmann::json d = pull->describe();
  EXPECT_EQ(d["scalerAddress"], "127.0.0.1:1");
  EXPECT_EQ(d["tls"], false);
  EXPECT_EQ(d["scalerMetadata"]["scalerAddress"], "127.0.0.1:1");
  pull->close();
  push->close();
}

TEST(ExternalRegistryTest, ParseErrorsComeFromTheFactory) {
  ScalerContext context;
  auto s = builtinRegistry().create(trigger({{"queue", "q"}}), context);
  ASSERT_FALSE(s.isOk());
  EXPECT_NE(s.status().message().find("scalerAddress"), std::string::npos);
}

TEST(ExternalRegistryTest, ChannelsAreSharedPerAddressAndTls) {
  const size_t before = external::liveExternalChannels();
  std::unique_ptr<Scaler> a = make({{"scalerAddress", "127.0.0.1:2"}, {"q", "1"}}, false);
  std::unique_ptr<Scaler> b = make({{"scalerAddress", "127.0.0.1:2"}, {"q", "2"}}, true);
  std::unique_ptr<Scaler> c =
      make({{"scalerAddress", "127.0.0.1:2"}, {"enableTLS", "true"}}, false);
  ASSERT_TRUE(a && b && c);
  EXPECT_EQ(external::liveExternalChannels(), before + 2);
  a.reset();
  b.reset();
  c.reset();
  EXPECT_EQ(external::liveExternalChannels(), before);
}

}  // namespace
}  // namespace tidal::scalers
